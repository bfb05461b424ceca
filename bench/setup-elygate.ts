/**
 * Prepares a fresh database for an Elygate under load: creates `elygate_bench_<random>` on the
 * server named by DATABASE_URL, applies the migrations, and creates a user with a balance, a
 * price for the model, an API key and one OpenAI channel in front of the mock upstream, through the same service layer the
 * management API uses (so the rows are exactly what a real admin would have produced).
 *
 *   bun bench/setup-elygate.ts              prints { databaseUrl, apiKey, secretKey } as JSON
 *   bun bench/setup-elygate.ts drop <url>   drops a database this script created
 *
 *   DATABASE_URL  any database on the PostgreSQL server to use (only the server is kept)
 *   MOCK_PORT     where the mock upstream listens (default 19080)
 *   MOCK_FLAKY_PORT  if set, a second channel of the same priority and weight in front of it
 */
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import postgres from 'postgres';
import { createPool } from '../src/lib/server/db/client';
import { applyMigrations } from '../src/lib/server/db/migrate';
import { SecretBox } from '../src/lib/server/security/crypto';
import { SYSTEM } from '../src/lib/server/services/actor';
import { createApiKey } from '../src/lib/server/services/api-keys';
import { createChannel } from '../src/lib/server/services/channels';
import type { ServiceContext } from '../src/lib/server/services/context';
import { upsertPrice } from '../src/lib/server/services/prices';
import { createUser } from '../src/lib/server/services/users';

/**
 * Fixed so that the server can be started with the key the channel secret was sealed with.
 * It protects nothing: the database is thrown away after the run.
 */
const SECRET_KEY = Buffer.alloc(32, 'elygate-bench-secret').toString('base64');
const PREFIX = 'elygate_bench_';
const MIGRATIONS = join(import.meta.dir, '..', 'drizzle');

function withDatabase(url: string, database: string): string {
	const u = new URL(url);
	u.pathname = `/${database}`;
	return u.toString();
}

/** Runs one statement on the server's maintenance connection (database names cannot be bound). */
async function onServer(adminUrl: string, statement: string): Promise<void> {
	const admin = postgres(adminUrl, { max: 1, onnotice: () => {} });
	try {
		await admin.unsafe(statement);
	} finally {
		await admin.end({ timeout: 5 });
	}
}

async function createDatabase(adminUrl: string): Promise<string> {
	const name = PREFIX + randomBytes(6).toString('hex');
	await onServer(adminUrl, `create database "${name}"`);
	return withDatabase(adminUrl, name);
}

async function dropDatabase(adminUrl: string, url: string): Promise<void> {
	const name = decodeURIComponent(new URL(url).pathname.slice(1));
	// Only ever drop what this script created, whatever URL it is handed.
	if (!new RegExp(`^${PREFIX}[0-9a-f]+$`).test(name)) throw new Error(`refusing to drop "${name}": not a bench database`);
	await onServer(adminUrl, `drop database if exists "${name}" with (force)`);
}

/** The user, key and channel the benchmark sends its load through. */
async function seed(databaseUrl: string, mockPort: number, flakyPort: number): Promise<string> {
	const { sql, db } = createPool(databaseUrl, { max: 2 });
	const ctx: ServiceContext = { db, secrets: new SecretBox(Buffer.from(SECRET_KEY, 'base64')) };
	try {
		// A balance no run can exhaust (USD 200 million) and an explicit price, so every call is
		// reserved, priced, settled and written like a customer's.
		const user = await createUser(ctx, SYSTEM, { username: 'bench', password: `bench-${randomBytes(12).toString('hex')}`, quota: 100_000_000_000_000 });
		await upsertPrice(ctx, SYSTEM, { model: 'gpt-4o-mini', modelRatio: 0.075, completionRatio: 4, cacheReadRatio: 0.5 });
		const { key } = await createApiKey(ctx, SYSTEM, { userId: user.id, name: 'bench' });
		const upstreams: Array<[name: string, port: number]> = [['bench mock', mockPort]];
		if (flakyPort) upstreams.push(['bench flaky mock', flakyPort]);
		for (const [name, port] of upstreams) {
			await createChannel(ctx, SYSTEM, {
				type: 'openai',
				name,
				baseUrl: `http://127.0.0.1:${port}/v1`,
				models: ['gpt-4o-mini'],
				keys: ['sk-bench-upstream-key']
			});
		}
		return key;
	} finally {
		await sql.end({ timeout: 5 });
	}
}

async function setup(adminUrl: string): Promise<void> {
	const mockPort = Number(process.env.MOCK_PORT || 19080);
	const databaseUrl = await createDatabase(adminUrl);
	console.error(`created ${databaseUrl}`);
	try {
		await applyMigrations(databaseUrl, MIGRATIONS);
		const apiKey = await seed(databaseUrl, mockPort, Number(process.env.MOCK_FLAKY_PORT || 0));
		console.log(JSON.stringify({ databaseUrl, apiKey, secretKey: SECRET_KEY }));
	} catch (err) {
		await dropDatabase(adminUrl, databaseUrl);
		throw err;
	}
}

async function main(): Promise<void> {
	const adminUrl = process.env.DATABASE_URL;
	if (!adminUrl) throw new Error('DATABASE_URL is not set');
	const [command, target] = process.argv.slice(2);
	if (command === undefined) return setup(adminUrl);
	if (command === 'drop' && target) return dropDatabase(adminUrl, target);
	throw new Error('usage: setup-elygate.ts [drop <databaseUrl>]');
}

try {
	await main();
} catch (err) {
	console.error(err instanceof Error ? err.message : err);
	process.exit(1);
}
