import pino, { type Logger } from 'pino';
import { isColorSupported, prettyFactory } from 'pino-pretty';
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

/** `LOG_FORMAT`: JSON lines unless asked for pretty, or `auto` and stdout is a terminal. */
export function jsonLogs(format: 'auto' | 'json' | 'pretty'): boolean {
	return format === 'auto' ? !process.stdout.isTTY : format === 'json';
}

/** Where a pretty logger writes, for notices that must appear in order with its lines. */
const humanOutputs = new WeakMap<Logger, (text: string) => void>();

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
	// Formatted and written synchronously (pino-pretty's stream would write a tick later), so
	// a notice printed after a log call appears after its line.
	const out = pino.destination({ dest: 1, sync: true });
	const prettify = prettyFactory({ colorize: isColorSupported, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname,service' });
	const log = pino(options, { write: (line: string) => out.write(prettify(line)) });
	humanOutputs.set(log, (text) => out.write(text));
	return log;
}

/**
 * Prints `lines` for a person to see, set apart by blank lines, through a pretty logger's
 * output. Returns false for a JSON logger, whose output is for machines: log a record instead.
 */
export function printNotice(log: Logger, lines: string[]): boolean {
	const write = humanOutputs.get(log);
	if (!write) return false;
	write(['', ...lines, '', ''].join('\n'));
	return true;
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
