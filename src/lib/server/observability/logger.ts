import pino, { type Logger } from 'pino';
import pretty from 'pino-pretty';
import { pgErrorOf } from '../db/errors';

export type { Logger };

/** Keys whose values never reach a log line, wherever they appear in a logged object. */
const REDACTED_KEYS = [
	'password',
	'passwordHash',
	'token',
	'secret',
	'secretKey',
	'apiKey',
	'authorization',
	'cookie',
	'databaseUrl'
];

export function createLogger(level: string, { json = !process.stdout.isTTY } = {}): Logger {
	const options: pino.LoggerOptions = {
		level,
		base: { service: 'elygate' },
		redact: {
			paths: REDACTED_KEYS.flatMap((k) => [k, `*.${k}`]),
			censor: '[redacted]'
		},
		serializers: { err: serializeError }
	};
	if (json) return pino(options);
	return pino(options, pretty({ colorize: true, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname,service' }));
}

let root: Logger | undefined;

export function logger(): Logger {
	root ??= createLogger(process.env.LOG_LEVEL?.trim() || 'info');
	return root;
}

export function setLogger(next: Logger): void {
	root = next;
}

/**
 * Errors from the database driver carry the failing SQL's bound parameters (Drizzle puts
 * them in the message) and row values in `detail`: keep only what identifies the failure.
 */
export function serializeError(err: unknown): Record<string, unknown> {
	if (!(err instanceof Error)) return { message: String(err) };
	const pg = pgErrorOf(err);
	if (pg || err.constructor?.name === 'DrizzleQueryError') {
		return {
			type: 'DatabaseError',
			code: pg?.code,
			constraint: pg?.constraint_name,
			table: pg?.table_name,
			routine: pg?.routine
		};
	}
	return { type: err.name, message: err.message, stack: err.stack };
}
