/**
 * How long importing a New-API database takes, and the memory it needs: a SQLite New-API
 * database with USERS accounts (two keys each), CHANNELS channels, CODES codes and LOGS
 * consumption logs, imported (dry run, then for real with the logs) into a fresh database on
 * the PostgreSQL at BENCH_ADMIN_URL.
 *
 *   bun bench/newapi-import.ts
 *   USERS=50000 LOGS=1000000 bun bench/newapi-import.ts
 */
import { Database } from 'bun:sqlite';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import postgres from 'postgres';
import { applyMigrations } from '../src/lib/server/db/migrate';
import { createPool } from '../src/lib/server/db/client';
import { SecretBox } from '../src/lib/server/security/crypto';
import { SYSTEM } from '../src/lib/server/services/actor';
import { importFromNewApi } from '../src/lib/server/services/newapi-import';
import { NEWAPI_PASSWORD_HASH } from '../tests/harness/newapi-db';
import { newApiDdl } from '../tests/harness/newapi-schema';

const USERS = Number(process.env.USERS ?? 10_000);
const CHANNELS = Number(process.env.CHANNELS ?? 100);
const CODES = Number(process.env.CODES ?? 5_000);
const LOGS = Number(process.env.LOGS ?? 200_000);
const ADMIN_URL = process.env.BENCH_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

const dir = mkdtempSync(join(tmpdir(), 'newapi-bench-'));
const file = join(dir, 'one-api.db');
const lite = new Database(file, { create: true });
for (const statement of newApiDdl('sqlite')) lite.run(statement);
const started = performance.now();
lite.transaction(() => {
	const now = Math.floor(Date.now() / 1000);
	const user = lite.prepare('insert into users (id, username, password, display_name, role, status, email, quota, used_quota, request_count, "group", aff_code, created_at) values (?, ?, ?, ?, 1, 1, ?, ?, ?, ?, ?, ?, ?)');
	const token = lite.prepare('insert into tokens (id, user_id, key, status, name, created_time, expired_time, remain_quota, unlimited_quota, used_quota) values (?, ?, ?, 1, ?, ?, -1, ?, ?, ?)');
	for (let i = 1; i <= USERS; i++) {
		user.run(i, `user${i}`, NEWAPI_PASSWORD_HASH, `User ${i}`, `user${i}@example.com`, 1_000_000 + i, i, i % 100, i % 10 === 0 ? 'vip' : 'default', `aff${i}`, now - i);
		for (const k of [0, 1]) token.run(2 * i - 1 + k, i, randomBytes(36).toString('base64url').slice(0, 48), `key ${k}`, now - i, 500_000, k, i);
	}
	const channel = lite.prepare('insert into channels (id, type, key, status, name, weight, base_url, models, "group", priority) values (?, 1, ?, 1, ?, 1, ?, ?, ?, ?)');
	for (let i = 1; i <= CHANNELS; i++) channel.run(i, `sk-a-${i}\nsk-b-${i}`, `channel ${i}`, 'https://api.openai.com', 'gpt-4o,gpt-4o-mini,o3', 'default,vip', i % 3);
	const code = lite.prepare('insert into redemptions (id, user_id, key, status, name, quota, created_time) values (?, 1, ?, 1, ?, 100000, ?)');
	for (let i = 1; i <= CODES; i++) code.run(i, randomBytes(16).toString('hex'), `batch ${i % 10}`, now);
	const log = lite.prepare('insert into logs (id, user_id, created_at, type, content, username, token_name, model_name, quota, prompt_tokens, completion_tokens, use_time, is_stream, channel_id, token_id, "group") values (?, ?, ?, 2, ?, ?, ?, ?, ?, ?, ?, 1, 0, ?, ?, ?)');
	for (let i = 1; i <= LOGS; i++) {
		const u = (i % USERS) + 1;
		log.run(i, u, now - (LOGS - i), 'model ratio 1.25', `user${u}`, 'key 0', 'gpt-4o', 300, 100, 50, (i % CHANNELS) + 1, 2 * u - 1, 'default');
	}
	lite.run(`insert into options (key, value) values ('ModelRatio', '{"gpt-4o":1.25,"gpt-4o-mini":0.075,"o3":1}'), ('GroupRatio', '{"default":1,"vip":0.8}')`);
})();
lite.close();
console.log(`New-API database: ${USERS} users, ${2 * USERS} keys, ${CHANNELS} channels, ${CODES} codes, ${LOGS} logs (written in ${((performance.now() - started) / 1000).toFixed(1)} s)`);

const name = `elygate_bench_${randomBytes(4).toString('hex')}`;
const admin = postgres(ADMIN_URL, { max: 1, onnotice: () => {} });
await admin.unsafe(`create database "${name}"`);
const url = new URL(ADMIN_URL);
url.pathname = `/${name}`;
try {
	await applyMigrations(url.toString(), join(import.meta.dirname, '..', 'drizzle'));
	const { sql, db } = createPool(url.toString(), { max: 2 });
	const ctx = { db, secrets: new SecretBox(randomBytes(32)) };
	const from = `sqlite://${file}`;
	let peak = process.memoryUsage().rss;
	const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 50);
	for (const dryRun of [true, false]) {
		const t = performance.now();
		const report = await importFromNewApi(ctx, SYSTEM, { from, withLogs: true }, { dryRun });
		const seconds = (performance.now() - t) / 1000;
		const rows = Object.values(report.imported).reduce((a, b) => a + b, 0);
		console.log(`${dryRun ? 'dry run' : 'import '}: ${seconds.toFixed(1)} s for ${rows} rows (${Math.round(rows / seconds)} rows/s), ${JSON.stringify(report.imported)}`);
	}
	const t = performance.now();
	const again = await importFromNewApi(ctx, SYSTEM, { from, withLogs: true }, { dryRun: false });
	console.log(`second run: ${((performance.now() - t) / 1000).toFixed(1)} s, imported ${JSON.stringify(again.imported)}`);
	clearInterval(sampler);
	console.log(`peak RSS ${(peak / 2 ** 20).toFixed(0)} MiB`);
	await sql.end({ timeout: 5 });
} finally {
	await admin.unsafe(`drop database if exists "${name}" with (force)`);
	await admin.end({ timeout: 5 });
	rmSync(dir, { recursive: true, force: true });
}
