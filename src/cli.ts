/**
 * Operator commands: `bun run elygate <command>`.
 *   reset-password <username> [--password-stdin]   set a new password and end the user's sessions
 *   migrate                                         apply database migrations and exit
 * With DATABASE_URL, they use that server. Without it, they attach to the embedded PostgreSQL
 * of a running Elygate on the same data dir, or start it for the duration of the command.
 */
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { resetPassword } from './lib/server/services/accounts';
import { ConfigError, parseConfig } from './lib/server/config/env';
import { createPool } from './lib/server/db/client';
import { runningEmbeddedUrl, startEmbeddedPostgres } from './lib/server/db/embedded/server';
import { applyMigrations } from './lib/server/db/migrate';
import { createLogger, jsonLogs } from './lib/server/observability/logger';
import { newPassword } from './lib/schemas/auth';

const USAGE = `Usage: bun run elygate <command>

Commands:
  reset-password <username> [--password-stdin]
      Sets a new password and signs the user out everywhere. Without --password-stdin a
      strong password is generated and printed.
  migrate
      Applies pending database migrations.`;

class UsageError extends Error {}

async function main(argv: string[]): Promise<number> {
	const [command, ...args] = argv;
	if (!command || command === 'help' || command === '--help') {
		console.log(USAGE);
		return command ? 0 : 2;
	}
	if (command !== 'reset-password' && command !== 'migrate') throw new UsageError(`Unknown command "${command}".`);

	const config = parseConfig(process.env);
	const log = createLogger(config.logLevel === 'info' ? 'warn' : config.logLevel, { json: jsonLogs(config.logFormat) });
	let url = config.databaseUrl ?? runningEmbeddedUrl(config.dataDir);
	const embedded = url ? undefined : await startEmbeddedPostgres({ dataDir: config.dataDir, log, noFsync: config.embeddedNoFsync });
	url ??= embedded?.url;
	if (!url) throw new Error('No database to connect to.');
	try {
		await applyMigrations(url, join(import.meta.dir, '..', 'drizzle'));
		if (command === 'migrate') {
			console.log('Migrations are up to date.');
			return 0;
		}
		return await resetPasswordCommand(url, args);
	} finally {
		await embedded?.stop();
	}
}

async function resetPasswordCommand(url: string, args: string[]): Promise<number> {
	const username = args.find((a) => !a.startsWith('--'));
	if (!username) throw new UsageError('reset-password needs a username.');
	const fromStdin = args.includes('--password-stdin');
	const password = fromStdin ? (await Bun.stdin.text()).replace(/\r?\n$/, '') : randomBytes(15).toString('base64url');
	const valid = newPassword.safeParse(password);
	if (!valid.success) throw new UsageError(`The new password is not acceptable: ${valid.error.issues[0]?.message}`);

	const { sql, db } = createPool(url, { max: 1 });
	try {
		if (!(await resetPassword(db, username, password))) {
			console.error(`No user named "${username}".`);
			return 1;
		}
	} finally {
		await sql.end({ timeout: 5 });
	}
	console.log(`The password of "${username}" was reset and their sessions were ended.`);
	if (!fromStdin) console.log(`New password: ${password}`);
	return 0;
}

try {
	process.exitCode = await main(Bun.argv.slice(2));
} catch (err) {
	if (err instanceof UsageError) console.error(`${err.message}\n\n${USAGE}`);
	else if (err instanceof ConfigError) console.error(err.message);
	else console.error(err instanceof Error ? err.message : String(err));
	process.exitCode = err instanceof UsageError ? 2 : 1;
}
