/**
 * Operator commands: `bun run elygate <command>`.
 *   reset-password <username> [--password-stdin]   set a new password and end the user's sessions
 *   migrate                                         apply database migrations and exit
 *   import-newapi --from <url> [--dry-run] [--merge] [--with-logs[=days]]
 *                                                   import a New-API database (docs/newapi-import.md)
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
import { formatReport } from './lib/server/import/newapi/print-report';
import { SYSTEM } from './lib/server/services/actor';
import { ServiceError } from './lib/server/services/errors';
import { importFromNewApi } from './lib/server/services/newapi-import';
import { SecretBox } from './lib/server/security/crypto';
import { loadSecretKey } from './lib/server/security/secret-key';

const USAGE = `Usage: bun run elygate <command>

Commands:
  reset-password <username> [--password-stdin]
      Sets a new password and signs the user out everywhere. Without --password-stdin a
      strong password is generated and printed.
  migrate
      Applies pending database migrations.
  import-newapi --from <url> [--dry-run] [--merge] [--with-logs[=days]]
      Imports a New-API database: mysql://user:pass@host:3306/db, postgres://… or
      sqlite:///path/to/one-api.db (read only, never written). Accounts keep their passwords
      and balances, API keys keep working. --dry-run prints what would be imported and every
      row that would be skipped, and writes nothing. --merge imports next to existing
      accounts. --with-logs also brings the consumption logs (of the last N days with =N).`;

class UsageError extends Error {}

async function main(argv: string[]): Promise<number> {
	const [command, ...args] = argv;
	if (!command || command === 'help' || command === '--help') {
		console.log(USAGE);
		return command ? 0 : 2;
	}
	if (command !== 'reset-password' && command !== 'migrate' && command !== 'import-newapi') throw new UsageError(`Unknown command "${command}".`);
	const importRequest = command === 'import-newapi' ? importArgs(args) : undefined;

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
		if (importRequest) return await importCommand(url, config, importRequest);
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

interface ImportArgs {
	request: { from: string; merge: boolean; withLogs: boolean; logDays: number | null };
	dryRun: boolean;
}

function importArgs(args: string[]): ImportArgs {
	let from: string | undefined;
	const request = { merge: false, withLogs: false, logDays: null as number | null };
	let dryRun = false;
	for (let i = 0; i < args.length; i++) {
		const arg = args[i]!;
		if (arg === '--from') from = args[++i];
		else if (arg.startsWith('--from=')) from = arg.slice('--from='.length);
		else if (arg === '--dry-run') dryRun = true;
		else if (arg === '--merge') request.merge = true;
		else if (arg === '--with-logs') request.withLogs = true;
		else if (arg.startsWith('--with-logs=')) {
			const days = Number(arg.slice('--with-logs='.length));
			if (!Number.isInteger(days) || days < 1) throw new UsageError('--with-logs=N takes a whole number of days.');
			request.withLogs = true;
			request.logDays = days;
		} else throw new UsageError(`import-newapi does not take "${arg}".`);
	}
	if (!from) throw new UsageError('import-newapi needs --from <url> (mysql://…, postgres://… or sqlite:///path/one-api.db).');
	return { request: { from, ...request }, dryRun };
}

async function importCommand(url: string, config: ReturnType<typeof parseConfig>, args: ImportArgs): Promise<number> {
	const secrets = new SecretBox(loadSecretKey(config.secretKey, config.dataDir).key);
	const { sql, db } = createPool(url, { max: 2 });
	try {
		const report = await importFromNewApi({ db, secrets }, SYSTEM, args.request, { dryRun: args.dryRun });
		console.log(formatReport(report));
		return 0;
	} catch (err) {
		if (!(err instanceof ServiceError)) throw err;
		console.error(err.detail);
		return 1;
	} finally {
		await sql.end({ timeout: 5 });
	}
}

try {
	process.exitCode = await main(Bun.argv.slice(2));
} catch (err) {
	if (err instanceof UsageError) console.error(`${err.message}\n\n${USAGE}`);
	else if (err instanceof ConfigError) console.error(err.message);
	else console.error(err instanceof Error ? err.message : String(err));
	process.exitCode = err instanceof UsageError ? 2 : 1;
}
