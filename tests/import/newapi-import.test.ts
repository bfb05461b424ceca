import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { signIn } from '../harness/accounts';
import { expectBooksBalanceOnceDrained } from '../harness/books';
import { freshDatabase, type TestDatabase } from '../harness/database';
import { eventually } from '../harness/eventually';
import { TEST_SECRET_KEY, fixtures, keyIsLive, type Fixtures } from '../harness/fixtures';
import { startMockUpstream, type MockUpstream } from '../harness/mock-upstream';
import { bcryptLikeNewApi, createNewApiDatabase, type NewApiTestDb } from '../harness/newapi-db';
import { startServer, type TestServer } from '../harness/server';
import { projectRoot } from '../../scripts/build-state';
import { WebClient } from '../harness/web-client';
import { SYSTEM } from '../../src/lib/server/services/actor';
import { ServiceError } from '../../src/lib/server/services/errors';
import { importFromNewApi } from '../../src/lib/server/services/newapi-import';
import type { ImportReport } from '../../src/lib/server/import/newapi/report';

/**
 * A New-API database on each engine New-API runs on, imported into a running Elygate; then the
 * old passwords, keys and codes are used against it as New-API's users would (docs/newapi-import.md).
 */

const NOW = Math.floor(Date.now() / 1000);
const key = (c: string) => c.repeat(48);
const KEYS = { live: key('L'), disabled: key('D'), expired: key('E'), exhausted: key('X'), limited: key('M'), ipBound: key('I') };
const CODE_UNUSED = '0123456789abcdef0123456789abcdef';
const CODE_USED = 'fedcba9876543210fedcba9876543210';
const ACCOUNT_ID = '0123456789abcdef0123456789abcdef';

async function seed(src: NewApiTestDb, upstream: string): Promise<void> {
	const hash = await bcryptLikeNewApi('alice-password');
	const user = (id: number, username: string, over: Record<string, unknown> = {}) => ({
		id, username, password: hash, display_name: username.toUpperCase(), role: 1, status: 1, email: `${username}@example.com`,
		quota: 0, used_quota: 0, request_count: 0, group: 'default', aff_code: `aff${id}`, deleted_at: null, created_at: NOW - 86_400, ...over
	});
	await src.insert('users', [
		user(1, 'boss', { role: 100, password: await bcryptLikeNewApi('boss-password') }),
		user(2, 'alice', { quota: 2_000_000, used_quota: 250_000, request_count: 12, group: 'vip' }),
		user(3, 'ops', { role: 10, password: await bcryptLikeNewApi('ops-password') }),
		user(4, 'carol', { status: 2 }),
		user(5, 'gone', { deleted_at: '2025-01-01 00:00:00' })
	]);
	const token = (id: number, secret: string, over: Record<string, unknown> = {}) => ({
		id, user_id: 2, key: secret, status: 1, name: `key-${id}`, created_time: NOW - 3600, accessed_time: 0, expired_time: -1,
		remain_quota: 0, unlimited_quota: true, model_limits_enabled: false, model_limits: '', allow_ips: '', used_quota: 0, group: '', deleted_at: null, ...over
	});
	await src.insert('tokens', [
		token(1, KEYS.live, { used_quota: 40_000 }),
		token(2, KEYS.disabled, { status: 2 }),
		token(3, KEYS.expired, { status: 3, expired_time: NOW - 60 }),
		token(4, KEYS.exhausted, { status: 4, unlimited_quota: false, remain_quota: 0, used_quota: 5_000 }),
		token(5, KEYS.limited, { unlimited_quota: false, remain_quota: 1_000_000, model_limits_enabled: true, model_limits: 'gpt-4o-mini' }),
		token(6, KEYS.ipBound, { allow_ips: '203.0.113.7' })
	]);
	const channel = (id: number, type: number, over: Record<string, unknown> = {}) => ({
		id, type, key: 'sk-upstream-a', status: 1, name: `ch-${id}`, weight: 0, created_time: NOW - 7200, base_url: '', other: '',
		models: 'gpt-4o,gpt-4o-mini', group: 'default,vip', model_mapping: '', priority: 0, auto_ban: 1, other_info: '', ...over
	});
	await src.insert('channels', [
		channel(1, 1, { key: 'sk-upstream-a\nsk-upstream-b', base_url: upstream, model_mapping: JSON.stringify({ 'gpt-4o': 'mock-gpt' }) }),
		channel(2, 14, { key: 'sk-ant-1\nsk-ant-2', status: 3, other_info: JSON.stringify({ status_reason: 'upstream said 401', status_time: NOW }) }),
		channel(3, 33, { name: 'bedrock' }),
		channel(4, 39, { other: ACCOUNT_ID, models: '@cf/meta/llama-3.1-8b-instruct' })
	]);
	await src.insert('abilities', [{ group: 'default', model: 'gpt-4o', channel_id: 1, enabled: true, priority: 0, weight: 0 }]);
	await src.insert('options', [
		{ key: 'ModelRatio', value: JSON.stringify({ 'gpt-4o': 1.25, 'gpt-4o-mini': 0.075 }) },
		{ key: 'CompletionRatio', value: JSON.stringify({ 'gpt-4o': 4, 'gpt-4o-mini': 4 }) },
		{ key: 'GroupRatio', value: JSON.stringify({ default: 1, vip: 0.5 }) },
		{ key: 'SomethingElse', value: 'kept out' }
	]);
	await src.insert('redemptions', [
		{ id: 1, user_id: 1, key: CODE_UNUSED, status: 1, name: 'promo', quota: 100_000, created_time: NOW - 100, redeemed_time: 0, used_user_id: 0, deleted_at: null, expired_time: 0 },
		{ id: 2, user_id: 1, key: CODE_USED, status: 3, name: 'spent', quota: 50_000, created_time: NOW - 100, redeemed_time: NOW - 50, used_user_id: 2, deleted_at: null, expired_time: 0 }
	]);
	await src.insert('logs', [
		{ id: 1, user_id: 2, created_at: NOW - 600, type: 2, content: 'ratio 1.25', username: 'alice', token_name: 'key-1', model_name: 'gpt-4o', quota: 30_000, prompt_tokens: 100, completion_tokens: 50, use_time: 2, is_stream: false, channel_id: 1, token_id: 1, group: 'vip', ip: '', other: '' },
		{ id: 2, user_id: 2, created_at: NOW - 500, type: 1, content: 'top-up', username: 'alice', token_name: '', model_name: '', quota: 0, prompt_tokens: 0, completion_tokens: 0, use_time: 0, is_stream: false, channel_id: 0, token_id: 0, group: '', ip: '', other: '' }
	]);
	await src.insert('top_ups', [{ id: 1, user_id: 2, amount: 4, money: 28.8, trade_no: 'T1', payment_method: 'alipay', payment_provider: 'epay', create_time: NOW - 900, complete_time: NOW - 890, status: 'success' }]);
}

const run = (fx: Fixtures, from: string, dryRun: boolean, extra: Record<string, unknown> = {}) =>
	importFromNewApi(fx, SYSTEM, { from, withLogs: true, ...extra }, { dryRun });

async function refusal(promise: Promise<unknown>): Promise<ServiceError> {
	const err = await promise.then(() => undefined, (e: unknown) => e);
	expect(err).toBeInstanceOf(ServiceError);
	return err as ServiceError;
}

const elygateCounts = async (db: TestDatabase) =>
	(await db.sql`select (select count(*) from users)::int as users, (select count(*) from api_keys)::int as keys, (select count(*) from channels)::int as channels,
		(select count(*) from redemption_codes)::int as codes, (select count(*) from imported_logs)::int as logs, (select count(*) from model_prices)::int as prices`)[0];

describe.each(['sqlite', 'postgres', 'mysql'] as const)('import from New-API on %s', (dialect) => {
	let src: NewApiTestDb;
	let db: TestDatabase;
	let server: TestServer;
	let upstream: MockUpstream;
	let fx: Fixtures;
	let first: ImportReport;

	beforeAll(async () => {
		upstream = await startMockUpstream();
		src = await createNewApiDatabase(dialect);
		await seed(src, upstream.url);
		db = await freshDatabase();
		server = await startServer({
			env: { DATABASE_URL: db.url, ELYGATE_SECRET_KEY: TEST_SECRET_KEY, ELYGATE_ROOT_PASSWORD: 'root-password-1', TRUSTED_PROXY_HEADER: 'x-forwarded-for' }
		});
		fx = fixtures(db.url);
	});

	afterAll(async () => {
		await fx?.close();
		await server?.stop();
		await db?.drop();
		await src?.drop();
		await upstream?.close();
	});

	test('the dry run reports every row, the unsupported channel and the second root, and changes nothing', async () => {
		const before = await elygateCounts(db);
		const report = await run(fx, src.url, true);
		expect(report.dryRun).toBe(true);
		expect(report.imported).toMatchObject({ users: 4, apiKeys: 6, channels: 3, channelKeys: 5, redemptionCodes: 2, prices: 2, logs: 1 });
		expect(report.skipped).toEqual(
			expect.arrayContaining([
				expect.objectContaining({ table: 'users', id: 5, reason: 'deleted in New-API' }),
				expect.objectContaining({ table: 'channels', id: 3, reason: expect.stringContaining('type 33 (AWS)') })
			])
		);
		expect(report.notes).toContainEqual(expect.objectContaining({ table: 'users', id: 1, message: expect.stringContaining('second root') }));
		expect(report.history).toMatchObject({ topUps: 1, abilities: 1 });
		expect(await elygateCounts(db)).toEqual(before);
		expect(await src.count('users')).toBe(5); // read-only on New-API's side too
	});

	test('the import brings accounts, keys, channels, prices, codes and logs, and the books balance', async () => {
		first = await run(fx, src.url, false);
		expect(first.imported).toMatchObject({ users: 4, apiKeys: 6, channels: 3, redemptionCodes: 2, logs: 1 });
		const [alice] = await db.sql`select id, display_name, email, role, "group", quota, used_quota, imported_used_quota, request_count from users where username = 'alice'`;
		expect(alice).toMatchObject({ display_name: 'ALICE', email: 'alice@example.com', role: 'user', group: 'vip', quota: '2000000', used_quota: '250000', imported_used_quota: '250000', request_count: '12' });
		const roles = await db.sql`select username, role, status from users where username in ('boss', 'ops', 'carol') order by username`;
		expect(roles.map((r) => [r.username, r.role, r.status])).toEqual([['boss', 'admin', 'active'], ['carol', 'user', 'disabled'], ['ops', 'admin', 'active']]);
		const [opening] = await db.sql`select reason, delta, reference from balance_changes where user_id = ${alice!.id}`;
		expect(opening).toMatchObject({ reason: 'import', delta: '2000000', reference: 'newapi:2' });
		const channels = await db.sql`select name, type, base_url, status, disable_kind, disable_reason, config from channels order by name`;
		expect(channels.map((c) => [c.name, c.type, c.status, c.disable_kind])).toEqual([
			['ch-1', 'openai', 'enabled', null],
			['ch-2', 'anthropic', 'disabled', 'automatic'],
			['ch-4', 'workers-ai', 'enabled', null]
		]);
		expect(channels[0]?.base_url).toBe(`${upstream.url}/v1`);
		expect(channels[1]?.disable_reason).toBe('upstream said 401');
		expect(channels[2]?.config).toMatchObject({ accountId: ACCOUNT_ID });
		const secrets = await db.sql`select secret_encrypted from channel_keys k join channels c on c.id = k.channel_id where c.name = 'ch-1'`;
		expect(secrets.map((s) => fx.secrets.decrypt(s.secret_encrypted)).sort()).toEqual(['sk-upstream-a', 'sk-upstream-b']);
		expect(secrets.every((s) => !String(s.secret_encrypted).includes('sk-upstream'))).toBe(true);
		const [price] = await db.sql`select model_ratio, completion_ratio from model_prices where model = 'gpt-4o'`;
		expect(price).toMatchObject({ model_ratio: 1.25, completion_ratio: 4 });
		const [vip] = await db.sql`select ratio from groups where name = 'vip'`;
		expect(vip?.ratio).toBe(0.5);
		await expectBooksBalanceOnceDrained(db.sql, [server.url]);
	});

	test('every account signs in with its New-API password, whose hash becomes argon2id', async () => {
		for (const [username, password] of [['alice', 'alice-password'], ['boss', 'boss-password'], ['ops', 'ops-password']] as const) {
			const [before] = await db.sql`select password_hash from users where username = ${username}`;
			expect(before?.password_hash).toMatch(/^\$2a\$10\$/);
			const web = new WebClient(server.url);
			expect((await signIn(web, username, password)).status).toBe(303);
			const [after] = await db.sql`select password_hash from users where username = ${username}`;
			expect(after?.password_hash).toMatch(/^\$argon2id\$/);
			// And the new hash works as well as the old one did.
			expect((await signIn(new WebClient(server.url), username, password)).status).toBe(303);
		}
		expect((await signIn(new WebClient(server.url), 'alice', 'wrong-password')).status).toBe(400);
	});

	test('an old sk- key calls /v1 unchanged and is billed at the imported price and group ratio', async () => {
		await keyIsLive(server.url, `sk-${KEYS.live}`);
		const client = new OpenAI({ apiKey: `sk-${KEYS.live}`, baseURL: `${server.url}/v1`, maxRetries: 0 });
		const answer = await client.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }] });
		expect(answer.choices[0]?.message.content).toBe('Hello from the mock.');
		expect(upstream.requests.at(-1)?.body).toMatchObject({ model: 'mock-gpt' });
		await expectBooksBalanceOnceDrained(db.sql, [server.url]);
		const [log] = await db.sql`select cost, group_ratio, model_ratio from request_logs order by created_at desc limit 1`;
		expect(log).toMatchObject({ group_ratio: 0.5, model_ratio: 1.25 });
		expect(Number(log?.cost)).toBeGreaterThan(0);
		const [alice] = await db.sql`select quota from users where username = 'alice'`;
		expect(Number(alice?.quota)).toBe(2_000_000 - Number(log?.cost));
	});

	test('disabled, expired and exhausted keys are refused; model and IP limits hold', async () => {
		const call = (secret: string, model = 'gpt-4o', ip = '198.51.100.1') =>
			fetch(`${server.url}/v1/chat/completions`, {
				method: 'POST',
				headers: { authorization: `Bearer sk-${secret}`, 'content-type': 'application/json', 'x-forwarded-for': ip },
				body: JSON.stringify({ model, messages: [{ role: 'user', content: 'hi' }] })
			}).then(async (r) => ({ status: r.status, code: ((await r.json()) as { error?: { code?: string } }).error?.code }));
		const calls = upstream.requests.length;
		expect(await call(KEYS.disabled)).toEqual({ status: 403, code: 'key_disabled' });
		expect(await call(KEYS.expired)).toEqual({ status: 403, code: 'key_expired' });
		expect((await call(KEYS.exhausted)).status).toBe(429);
		expect(await call(KEYS.limited, 'gpt-4o')).toEqual({ status: 403, code: 'model_not_allowed' });
		expect(await call(KEYS.ipBound)).toEqual({ status: 403, code: 'ip_not_allowed' });
		expect(upstream.requests.length).toBe(calls);
		expect((await call(KEYS.limited, 'gpt-4o-mini')).status).toBe(200);
		expect((await call(KEYS.ipBound, 'gpt-4o', '203.0.113.7')).status).toBe(200);
		await expectBooksBalanceOnceDrained(db.sql, [server.url]);
	});

	test('an unused New-API code redeems once; a used one stays used', async () => {
		const web = new WebClient(server.url);
		expect((await signIn(web, 'alice', 'alice-password')).status).toBe(303);
		const redeem = (code: string) => web.postForm('/topup?/redeem', { code });
		const [before] = await db.sql`select quota from users where username = 'alice'`;
		expect((await redeem(CODE_UNUSED)).status).toBeLessThan(400);
		await eventually(async () => {
			const [after] = await db.sql`select quota from users where username = 'alice'`;
			expect(Number(after?.quota)).toBe(Number(before?.quota) + 100_000);
		});
		// Already redeemed, whether here a moment ago or in New-API: the same 409 "already redeemed".
		for (const used of [CODE_UNUSED, CODE_USED]) {
			const res = await redeem(used);
			expect(res.status).toBe(409);
			expect(await res.text()).toContain('already been redeemed');
		}
		await expectBooksBalanceOnceDrained(db.sql, [server.url]);
	});

	test('a second import imports nothing twice and says what is already there', async () => {
		const before = await elygateCounts(db);
		const again = await run(fx, src.url, false);
		expect(again.imported).toMatchObject({ users: 0, apiKeys: 0, channels: 0, redemptionCodes: 0, prices: 0, logs: 0 });
		expect(again.alreadyImported).toMatchObject({ users: 4, apiKeys: 6, channels: 3, redemptionCodes: 2, prices: 2 });
		expect(await elygateCounts(db)).toEqual(before);
		await expectBooksBalanceOnceDrained(db.sql, [server.url]);
	});
});

describe('refusals', () => {
	let db: TestDatabase;
	let fx: Fixtures;

	beforeAll(async () => {
		db = await freshDatabase({ migrated: true });
		fx = fixtures(db.url);
	});
	afterAll(async () => {
		await fx?.close();
		await db?.drop();
	});

	test('an unreachable database, a foreign one and a half-broken row each get a clear message and change nothing', async () => {
		const before = await elygateCounts(db);
		expect((await refusal(run(fx, 'mysql://root@127.0.0.1:1/newapi', false))).detail).toMatch(/127\.0\.0\.1:1/);
		expect((await refusal(run(fx, 'sqlite:///nonexistent/one-api.db', false))).field).toBe('from');

		const foreign = await createNewApiDatabase('sqlite');
		await foreign.exec('drop table tokens');
		expect((await refusal(run(fx, foreign.url, false))).detail).toMatch(/not a New-API database.*tokens/);
		await foreign.drop();

		for (const [table, row, message] of [
			['channels', { id: 9, type: 1, key: 'k', status: 1, name: 'broken', models: 'gpt-4o', group: 'default', model_mapping: '{nope' }, /channels row #9 \("broken"\): model_mapping/],
			['users', { id: 9, username: 'minus', password: '', role: 1, status: 1, quota: -5, used_quota: 0, request_count: 0, group: 'default', aff_code: 'x9' }, /users row #9 \("minus"\): quota is negative/]
		] as const) {
			const broken = await createNewApiDatabase('sqlite');
			await broken.insert('users', [{ id: 1, username: 'fine', password: '', role: 1, status: 1, quota: 10, used_quota: 0, request_count: 0, group: 'default', aff_code: 'x1' }]);
			await broken.insert(table, [row]);
			const err = await refusal(run(fx, broken.url, false));
			expect(err.message).toMatch(message);
			await broken.drop();
		}
		expect(await elygateCounts(db)).toEqual(before);
	});

	test('the command prints the dry run, and a bad source with exit code 1', async () => {
		const src = await createNewApiDatabase('sqlite');
		await src.insert('users', [{ id: 3, username: 'cli-user', password: '', role: 1, status: 1, quota: 500_000, used_quota: 0, request_count: 0, group: 'default', aff_code: 'x3' }]);
		await src.insert('channels', [{ id: 4, type: 33, key: 'k', status: 1, name: 'bedrock', models: 'claude', group: 'default' }]);
		const cli = (...args: string[]) =>
			Bun.spawnSync(['bun', 'src/cli.ts', 'import-newapi', ...args], {
				cwd: projectRoot,
				env: { PATH: process.env.PATH, HOME: process.env.HOME, DATABASE_URL: db.url, ELYGATE_SECRET_KEY: TEST_SECRET_KEY }
			});
		const dry = cli('--from', src.url, '--dry-run');
		const out = dry.stdout.toString();
		expect(dry.exitCode, dry.stderr.toString()).toBe(0);
		expect(out).toMatch(/Dry run against .*nothing was written/);
		expect(out).toMatch(/accounts\s+1\s+0/);
		expect(out).toMatch(/channels #4 "bedrock": New-API channel type 33 \(AWS\)/);
		expect((await db.sql`select count(*)::int as n from users where username = 'cli-user'`)[0]?.n).toBe(0);
		const bad = cli('--from', 'sqlite:///nonexistent/one-api.db');
		expect(bad.exitCode).toBe(1);
		expect(bad.stderr.toString()).toMatch(/nonexistent\/one-api\.db/);
		expect(cli('--dry-run').exitCode).toBe(2);
		await src.drop();
	});

	test('an Elygate that has its own accounts is refused without merge', async () => {
		const src = await createNewApiDatabase('sqlite');
		await src.insert('users', [{ id: 7, username: 'newcomer', password: '', role: 1, status: 1, quota: 0, used_quota: 0, request_count: 0, group: 'default', aff_code: 'x7' }]);
		await db.sql`insert into users (username, password_hash) values ('native', 'x')`;
		expect((await refusal(run(fx, src.url, false))).message).toMatch(/--merge/);
		const merged = await run(fx, src.url, false, { merge: true });
		expect(merged.imported.users).toBe(1);
		await src.drop();
	});
});
