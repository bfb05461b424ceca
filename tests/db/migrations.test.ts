import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { projectRoot } from '../../scripts/build-state';
import { applyMigrations, appliedMigrationCount } from '../../src/lib/server/db/migrate';
import { freshDatabase, type TestDatabase } from '../harness/database';

const MIGRATIONS = join(projectRoot, 'drizzle');
const expected = JSON.parse(readFileSync(join(MIGRATIONS, 'meta', '_journal.json'), 'utf8')).entries.length as number;

const TABLES = [
	'api_keys',
	'audit_log',
	'balance_changes',
	'channel_keys',
	'channels',
	'groups',
	'idempotency_keys',
	'imported_logs',
	'imported_rows',
	'ledger_dead_letters',
	'management_tokens',
	'model_prices',
	'options',
	'payment_orders',
	'redemption_codes',
	'request_logs',
	'sessions',
	'usage_daily',
	'usage_hourly',
	'users'
];

async function publicTables(db: TestDatabase): Promise<string[]> {
	const rows = await db.sql<{ table_name: string }[]>`
		select table_name from information_schema.tables where table_schema = 'public' order by table_name`;
	return rows.map((r) => r.table_name);
}

describe('migrations', () => {
	let db: TestDatabase;
	beforeAll(async () => {
		db = await freshDatabase();
	});
	afterAll(() => db.drop());

	test('apply to an empty database, then again as a no-op', async () => {
		expect(await appliedMigrationCount(db.sql)).toBe(0);
		await applyMigrations(db.url, MIGRATIONS);
		expect(await appliedMigrationCount(db.sql)).toBe(expected);
		expect(await publicTables(db)).toEqual(TABLES);
		const [group] = await db.sql`select name, ratio from groups`;
		expect(group).toEqual({ name: 'default', ratio: 1 });

		await applyMigrations(db.url, MIGRATIONS);
		expect(await appliedMigrationCount(db.sql)).toBe(expected);
		expect(await db.sql`select count(*)::int as n from groups`).toEqual([{ n: 1 }]);
	});

	test('money columns are bigint and log tables are indexed for per-user, newest-first reads', async () => {
		const money = await db.sql<{ table_name: string; column_name: string; data_type: string }[]>`
			select table_name, column_name, data_type from information_schema.columns
			where table_schema = 'public' and column_name in ('quota', 'used_quota', 'cost', 'delta', 'quota_limit')`;
		expect(money.length).toBeGreaterThanOrEqual(8);
		for (const col of money) expect(`${col.table_name}.${col.column_name}: ${col.data_type}`).toMatch(/: bigint$/);
		// Token and call counts too: no upstream's report may overflow the row the ledger writes.
		const counts = await db.sql<{ table_name: string; column_name: string; data_type: string }[]>`
			select table_name, column_name, data_type from information_schema.columns
			where table_schema = 'public' and (column_name like '%\\_tokens' or column_name in ('requests', 'failures', 'request_count'))`;
		expect(counts.length).toBeGreaterThanOrEqual(5 + 3 + 5);
		for (const col of counts) expect(`${col.table_name}.${col.column_name}: ${col.data_type}`).toMatch(/: bigint$/);
		const [index] = await db.sql<{ indexdef: string }[]>`
			select indexdef from pg_indexes where indexname = 'request_logs_user_idx'`;
		// Request ids are time-ordered, so this index reads a user's calls newest first.
		expect(index?.indexdef).toMatch(/\(user_id, request_id\)/);
		const [rollup] = await db.sql<{ indexdef: string }[]>`
			select indexdef from pg_indexes where indexname = 'usage_daily_user_day_idx'`;
		expect(rollup?.indexdef).toMatch(/\(user_id, day\)/);
	});
});

test('two processes migrating one empty database at once apply each migration exactly once', async () => {
	const db = await freshDatabase();
	try {
		const run = () =>
			Bun.spawn(['bun', 'src/cli.ts', 'migrate'], {
				cwd: projectRoot,
				env: { PATH: process.env.PATH, HOME: process.env.HOME, DATABASE_URL: db.url },
				stdout: 'pipe',
				stderr: 'pipe'
			});
		const procs = [run(), run()];
		const codes = await Promise.all(procs.map((p) => p.exited));
		const outputs = await Promise.all(procs.map((p) => new Response(p.stderr).text()));
		expect(codes, outputs.join('\n')).toEqual([0, 0]);
		expect(await appliedMigrationCount(db.sql)).toBe(expected);
		expect(await publicTables(db)).toEqual(TABLES);
		expect(await db.sql`select count(*)::int as n from groups`).toEqual([{ n: 1 }]);
	} finally {
		await db.drop();
	}
});
