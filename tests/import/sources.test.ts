import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { openNewApiSource, sqlitePath } from '../../src/lib/server/import/newapi/open-source';
import { NEWAPI_TABLES, SourceError, type NewApiSource, type NewApiTable } from '../../src/lib/server/import/newapi/source';
import { MysqlSource } from '../../src/lib/server/import/newapi/source-mysql';
import { PostgresSource } from '../../src/lib/server/import/newapi/source-postgres';
import { maskedUrl } from '../../src/lib/server/import/newapi/source-sql';
import { SqliteSource } from '../../src/lib/server/import/newapi/source-sqlite';
import { bcryptLikeNewApi, createNewApiDatabase, NEWAPI_PASSWORD, NEWAPI_PASSWORD_HASH, newApiToken, newApiUser, type NewApiDialect, type NewApiTestDb } from '../harness/newapi-db';

const DELETED = new Date('2025-03-04T05:06:07.890Z');
/** Past 2^53: read back as a decimal string, never rounded. */
const HUGE = '9007199254740993';

/** How each engine hands back a boolean GORM wrote (tinyint(1), boolean, numeric). */
const TRUE: Record<NewApiDialect, unknown> = { mysql: 1, postgres: true, sqlite: 1 };
const FALSE: Record<NewApiDialect, unknown> = { mysql: 0, postgres: false, sqlite: 0 };

/** Why each engine refuses a write on the source's connection. */
const READ_ONLY: Record<NewApiDialect, RegExp> = {
	mysql: /READ ONLY transaction/i,
	postgres: /read-only transaction/,
	sqlite: /readonly database/
};

async function seed(db: NewApiTestDb): Promise<void> {
	await db.insert('users', [
		newApiUser({ id: 1, username: 'alice', group: 'vip', quota: 500_000, password: await bcryptLikeNewApi('alice-pw') }),
		newApiUser({ id: 2, username: 'bob', deleted_at: DELETED, email: null, remark: 'left' })
	]);
	await db.insert('tokens', [
		newApiToken({ id: 1, user_id: 1, key: 'abcKEY1', group: 'vip', unlimited_quota: true }),
		newApiToken({ id: 2, user_id: 1, key: 'abcKEY2', unlimited_quota: false, model_limits_enabled: true, model_limits: 'gpt-4o,gpt-4o-mini', expired_time: 1_800_000_000 })
	]);
	await db.insert('channels', [
		{ id: 7, type: 1, key: 'sk-one\nsk-two', name: 'openai', models: 'gpt-4o,gpt-4o-mini', group: 'default,vip', balance: 1.5, used_quota: HUGE, channel_info: { is_multi_key: true, multi_key_size: 2 } }
	]);
	await db.insert('abilities', [
		{ group: 'default', model: 'gpt-4o', channel_id: 7, enabled: true, priority: 0, weight: 0 },
		{ group: 'vip', model: 'gpt-4o', channel_id: 7, enabled: false, priority: 5, weight: 10 }
	]);
	await db.insert('options', [
		{ key: 'QuotaPerUnit', value: '500000' },
		{ key: 'ModelRatio', value: '{"gpt-4o":1.25}' }
	]);
	await db.insert('redemptions', [{ id: 1, user_id: 1, key: '0123456789abcdef0123456789abcdef', name: 'gift', quota: 100, created_time: 1_700_000_000, expired_time: 0 }]);
	const logs = [100, 200, 300, 400, 500, 600].map((created_at, i) => ({
		id: i + 1,
		user_id: 1,
		created_at,
		type: i === 1 || i === 4 ? 5 : 2,
		model_name: 'gpt-4o',
		quota: 10 * (i + 1),
		is_stream: i % 2 === 0,
		group: 'vip'
	}));
	await db.insert('logs', logs);
}

describe.each(['mysql', 'postgres', 'sqlite'] as const)('a New-API database on %s', (dialect) => {
	let db: NewApiTestDb;
	let source: NewApiSource;

	beforeAll(async () => {
		db = await createNewApiDatabase(dialect);
		await seed(db);
		source = await openNewApiSource(db.url);
	});

	afterAll(async () => {
		await source?.close();
		await db?.drop();
	});

	test('lists its tables and their columns', async () => {
		expect(source.dialect).toBe(dialect);
		expect(source.label).toBe(dialect === 'sqlite' ? sqlitePath(db.url) : db.url);
		expect(await source.tables()).toEqual(new Set(NEWAPI_TABLES));
		const columns = await source.columns('tokens');
		for (const name of ['id', 'key', 'group', 'unlimited_quota', 'deleted_at']) expect(columns).toContain(name);
		expect(await source.columns('abilities')).toEqual(new Set(['group', 'model', 'channel_id', 'enabled', 'priority', 'weight', 'tag']));
	});

	test('reads every row with the reserved-word columns, booleans, NULLs and deleted_at', async () => {
		const users = await source.readAll('users', ['id', 'username', 'password', 'group', 'quota', 'email', 'remark', 'deleted_at'], 'id');
		expect(users).toEqual([
			{ id: 1, username: 'alice', password: expect.stringMatching(/^\$2a\$10\$/), group: 'vip', quota: 500_000, email: '', remark: null, deleted_at: null },
			{ id: 2, username: 'bob', password: NEWAPI_PASSWORD_HASH, group: 'default', quota: 0, email: null, remark: 'left', deleted_at: DELETED }
		]);
		expect(await Bun.password.verify('alice-pw', String(users[0]!.password))).toBe(true);

		const tokens = await source.readAll('tokens', ['id', 'key', 'group', 'unlimited_quota', 'model_limits_enabled', 'expired_time', 'deleted_at'], 'id');
		expect(tokens).toEqual([
			{ id: 1, key: 'abcKEY1', group: 'vip', unlimited_quota: TRUE[dialect], model_limits_enabled: FALSE[dialect], expired_time: -1, deleted_at: null },
			{ id: 2, key: 'abcKEY2', group: '', unlimited_quota: FALSE[dialect], model_limits_enabled: TRUE[dialect], expired_time: 1_800_000_000, deleted_at: null }
		]);

		const [channel] = await source.readAll('channels', ['id', 'key', 'group', 'balance', 'used_quota', 'weight', 'channel_info', 'tag']);
		expect(channel).toMatchObject({ id: 7, key: 'sk-one\nsk-two', group: 'default,vip', used_quota: HUGE, weight: 0, tag: null });
		// GORM's float64 is `decimal` on PostgreSQL, which arrives as a string there.
		expect(Number(channel!.balance)).toBe(1.5);
		expect(JSON.parse(String(channel!.channel_info))).toEqual({ is_multi_key: true, multi_key_size: 2 });

		expect(await source.readAll('abilities', ['group', 'model', 'channel_id', 'enabled', 'priority'], 'priority')).toEqual([
			{ group: 'default', model: 'gpt-4o', channel_id: 7, enabled: TRUE[dialect], priority: 0 },
			{ group: 'vip', model: 'gpt-4o', channel_id: 7, enabled: FALSE[dialect], priority: 5 }
		]);
		expect(await source.readAll('options', ['key', 'value'], 'key')).toEqual([
			{ key: 'ModelRatio', value: '{"gpt-4o":1.25}' },
			{ key: 'QuotaPerUnit', value: '500000' }
		]);
		expect(await source.readAll('redemptions', ['key', 'quota', 'redeemed_time', 'deleted_at'])).toEqual([
			{ key: '0123456789abcdef0123456789abcdef', quota: 100, redeemed_time: null, deleted_at: null }
		]);
		expect(await source.readAll('top_ups', ['id', 'status'])).toEqual([]);
	});

	test('pages through logs by id, from a creation time and of one type', async () => {
		const ids = async (page: Parameters<NewApiSource['readPage']>[2]) => (await source.readPage('logs', ['id', 'created_at', 'type'], page)).map((r) => r.id);
		expect(await ids({ afterId: 0, limit: 4 })).toEqual([1, 2, 3, 4]);
		expect(await ids({ afterId: 4, limit: 4 })).toEqual([5, 6]);
		expect(await ids({ afterId: 6, limit: 4 })).toEqual([]);
		expect(await ids({ afterId: 0, limit: 10, createdAtFrom: 300 })).toEqual([3, 4, 5, 6]);
		expect(await ids({ afterId: 0, limit: 10, type: 5 })).toEqual([2, 5]);
		expect(await ids({ afterId: 3, limit: 1, createdAtFrom: 300, type: 2 })).toEqual([4]);
		const [row] = await source.readPage('logs', ['id', 'quota', 'is_stream', 'group'], { afterId: 0, limit: 1 });
		expect(row).toEqual({ id: 1, quota: 10, is_stream: TRUE[dialect], group: 'vip' });
	});

	test('refuses a write through its own connection', async () => {
		const raw = source as MysqlSource | PostgresSource | SqliteSource;
		await expect(raw.run(`update ${dialect === 'mysql' ? '`users`' : '"users"'} set quota = 1`)).rejects.toThrow(READ_ONLY[dialect]);
		await expect(raw.run('delete from options')).rejects.toThrow(READ_ONLY[dialect]);
		expect(await db.count('options')).toBe(2);
		expect(await source.readAll('users', ['quota'], 'id')).toEqual([{ quota: 500_000 }, { quota: 0 }]);
	});

	test('refuses a table or column name that is not an identifier before any SQL', async () => {
		await expect(source.readAll('users', ['id; drop table users'])).rejects.toThrow(SourceError);
		await expect(source.readAll('users', ['id'], 'id desc')).rejects.toThrow(/not a New-API column/);
		await expect(source.readAll('sessions' as NewApiTable, ['id'])).rejects.toThrow(/not a New-API table/);
		await expect(source.readPage('logs', ['id'], { afterId: 0, limit: 0 })).rejects.toThrow(/limit/);
		expect(await db.count('users')).toBe(2);
	});

	test('a read of a column New-API does not have fails with the table and the reason', async () => {
		await expect(source.readAll('users', ['id', 'no_such_column'])).rejects.toThrow(/^cannot read users from the New-API database at .+ \(.*no_such_column.*\)$/);
	});
});

describe('opening a New-API database that is not there', () => {
	const opened = async (url: string): Promise<string> => {
		try {
			const source = await openNewApiSource(url);
			await source.close();
		} catch (err) {
			expect(err).toBeInstanceOf(SourceError);
			return (err as Error).message;
		}
		throw new Error(`${url} opened`);
	};

	test('an unreachable port names the host, port and the driver reason', async () => {
		expect(await opened('mysql://root:secret@127.0.0.1:1/newapi')).toBe('cannot reach the New-API database at 127.0.0.1:1 (connect ECONNREFUSED)');
		expect(await opened('mariadb://root@127.0.0.1:1/newapi')).toBe('cannot reach the New-API database at 127.0.0.1:1 (connect ECONNREFUSED)');
		expect(await opened('postgres://postgres:secret@127.0.0.1:1/newapi')).toBe('cannot reach the New-API database at 127.0.0.1:1 (connect ECONNREFUSED)');
	});

	test('a database name the server does not have', async () => {
		expect(await opened('mysql://root@127.0.0.1:3306/newapi_missing')).toBe("cannot open the New-API database at 127.0.0.1:3306 (Unknown database 'newapi_missing')");
		expect(await opened('postgresql://postgres@127.0.0.1:5432/newapi_missing')).toBe('cannot open the New-API database at 127.0.0.1:5432 (database "newapi_missing" does not exist)');
	});

	test('credentials the server refuses, without echoing the password', async () => {
		const message = await opened('mysql://nobody:hunter2@127.0.0.1:3306/newapi');
		expect(message).toMatch(/^cannot open the New-API database at 127\.0\.0\.1:3306 \(Access denied for user 'nobody'/);
		expect(message).not.toContain('hunter2');
	});

	test('a SQLite file that is missing is not created; a file that is not SQLite is refused', async () => {
		const missing = `/tmp/elygate-missing-${crypto.randomUUID()}.db`;
		expect(await opened(`sqlite://${missing}`)).toBe(`cannot open the New-API database at ${missing} (no such file)`);
		expect(await Bun.file(missing).exists()).toBe(false);
		const junk = `/tmp/elygate-junk-${crypto.randomUUID()}.db`;
		await Bun.write(junk, 'not a database, just text '.repeat(200));
		try {
			expect(await opened(`sqlite://${junk}`)).toBe(`cannot open the New-API database at ${junk} (file is not a database)`);
		} finally {
			await Bun.file(junk).delete();
		}
	});

	test('an unknown scheme names the accepted forms', async () => {
		const message = await opened('mongodb://root:secret@127.0.0.1/newapi');
		expect(message).toContain('"mongodb:" is not a scheme the import reads');
		for (const form of ['mysql://', 'mariadb://', 'postgres://', 'postgresql://', 'sqlite:///']) expect(message).toContain(form);
		expect(message).not.toContain('secret');
		expect(await opened('127.0.0.1:3306/newapi')).toMatch(/^not a New-API database URL: no scheme; use mysql:/);
		expect(await opened('mysql://root@127.0.0.1:3306')).toMatch(/^name the New-API database in the URL/);
	});
});

describe('source URLs', () => {
	test('the label masks a password in the user part or a parameter', () => {
		expect(maskedUrl(new URL('mysql://root:s3cret@db.local:3306/newapi'))).toBe('mysql://root:***@db.local:3306/newapi');
		expect(maskedUrl(new URL('postgres://u@h/newapi?password=s3cret&sslmode=require'))).toBe('postgres://u@h/newapi?password=***&sslmode=require');
		expect(maskedUrl(new URL('postgres://u@h:5432/newapi'))).toBe('postgres://u@h:5432/newapi');
	});

	test('sqlite:/// is an absolute path, sqlite:// one relative to the working directory; the query string is dropped', () => {
		expect(sqlitePath('sqlite:///var/lib/new-api/one-api.db')).toBe('/var/lib/new-api/one-api.db');
		expect(sqlitePath('sqlite://data/one-api.db?_busy_timeout=30000')).toBe(`${process.cwd()}/data/one-api.db`);
		expect(sqlitePath('sqlite:///tmp/with%20space.db')).toBe('/tmp/with space.db');
	});

	test('a bcrypt hash written like New-API ($2a$) verifies with Bun', async () => {
		const hash = await bcryptLikeNewApi('correct horse');
		expect(hash).toMatch(/^\$2a\$10\$[./A-Za-z0-9]{53}$/);
		expect(await Bun.password.verify('correct horse', hash)).toBe(true);
		expect(await Bun.password.verify('wrong horse', hash)).toBe(false);
		expect(await Bun.password.verify(NEWAPI_PASSWORD, NEWAPI_PASSWORD_HASH)).toBe(true);
	});
});
