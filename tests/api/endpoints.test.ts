import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { register, signIn } from '../harness/accounts';
import { ApiClient } from '../harness/api-client';
import { freshDatabase, type TestDatabase } from '../harness/database';
import { eventually } from '../harness/eventually';
import { TEST_SECRET_KEY } from '../harness/fixtures';
import { startServer, type TestServer } from '../harness/server';
import { WebClient } from '../harness/web-client';

const ADMIN_TOKEN = 'root-automation-token-0123456789abcdef';

let db: TestDatabase;
let server: TestServer;
let root: ApiClient;
let admin: ApiClient;
let reader: ApiClient;
let user: ApiClient;
let anonymous: ApiClient;
let userId: number;

beforeAll(async () => {
	db = await freshDatabase();
	server = await startServer({
		env: { DATABASE_URL: db.url, ELYGATE_SECRET_KEY: TEST_SECRET_KEY, ELYGATE_ADMIN_TOKEN: ADMIN_TOKEN, ELYGATE_ROOT_PASSWORD: 'root-password-1' }
	});
	root = new ApiClient(server.url, { bearer: ADMIN_TOKEN });
	const adminToken = await root.post('/api/tokens', { name: 'ops', scope: 'admin' });
	const readToken = await root.post('/api/tokens', { name: 'dashboards', scope: 'read' });
	admin = new ApiClient(server.url, { bearer: adminToken.body.token });
	reader = new ApiClient(server.url, { bearer: readToken.body.token });
	const web = new WebClient(server.url);
	await register(web, 'plainuser', 'plain-password-1');
	userId = (await db.sql`select id from users where username = 'plainuser'`)[0]!.id;
	user = new ApiClient(server.url, { cookie: `elygate_session=${web.cookies.get('elygate_session')}`, origin: server.url });
	anonymous = new ApiClient(server.url);
});

afterAll(async () => {
	await server?.stop();
	await db?.drop();
});

/** A table's row count and latest update, to prove a refused request changed nothing. */
async function fingerprint(table: string) {
	const hasUpdated = (await db.sql`select 1 from information_schema.columns where table_name = ${table} and column_name = 'updated_at'`).length > 0;
	const [row] = hasUpdated
		? await db.sql`select count(*)::int as n, max(updated_at) as at from ${db.sql(table)}`
		: await db.sql`select count(*)::int as n from ${db.sql(table)}`;
	return row;
}

function expectError(res: { status: number; body: Record<string, any> }, status: number, code: string, field?: string) {
	expect(res.status, JSON.stringify(res.body)).toBe(status);
	expect(res.body.error.code).toBe(code);
	expect(typeof res.body.error.message).toBe('string');
	if (field) expect(res.body.error.field).toBe(field);
}

interface Endpoint {
	name: string;
	method: 'GET' | 'POST' | 'PATCH' | 'DELETE';
	/** Resolved lazily: later cases use ids made by earlier ones. */
	path: () => string;
	body?: () => unknown;
	ok: number;
	/** The callers that must be refused with 403 (undefined: any signed-in caller may). */
	forbidden?: () => ApiClient | ApiClient[];
	/** Callers for whom the thing is not there at all (404): someone else's key is not theirs to learn of. */
	hidden?: () => ApiClient;
	bad?: { body: unknown; field: string; table: string };
	/** Who makes the bad and the good request (root unless said): redeeming needs a user. */
	as?: () => ApiClient;
	check?: (body: Record<string, any>) => void;
}

const ids: Record<string, number> = {};
const codes: string[] = [];

const endpoints: Endpoint[] = [
	{
		name: 'create a group',
		method: 'POST',
		path: () => '/api/groups',
		body: () => ({ name: 'vip', ratio: 0.8, description: 'friends' }),
		ok: 200,
		forbidden: () => reader,
		bad: { body: { name: 'vip', ratio: -1 }, field: 'ratio', table: 'groups' },
		check: (b) => expect(b).toMatchObject({ name: 'vip', ratio: 0.8 })
	},
	{ name: 'list groups', method: 'GET', path: () => '/api/groups', ok: 200, forbidden: () => user, check: (b) => expect(b.total).toBe(2) },
	{
		name: 'create a channel',
		method: 'POST',
		path: () => '/api/channels',
		body: () => ({ type: 'openai', name: 'main', baseUrl: 'https://api.example.com', models: ['gpt-4o'], keys: ['sk-secret-aaaaaaaaaaaa1111'], groups: ['default', 'vip'] }),
		ok: 201,
		forbidden: () => reader,
		bad: { body: { type: 'openai', name: 'x', baseUrl: 'not a url', models: ['m'], keys: ['k'] }, field: 'baseUrl', table: 'channels' },
		check: (b) => {
			ids.channel = b.id;
			expect(b.keys).toEqual([{ id: expect.any(Number), hint: 'sk-…1111', enabled: true, disableKind: null, disableReason: null, disabledAt: null }]);
			expect(b.health).toEqual({ breaker: 'closed', consecutiveFailures: 0, openUntil: null, coolingUntil: null });
			expect(JSON.stringify(b)).not.toContain('sk-secret');
		}
	},
	{ name: 'list channels', method: 'GET', path: () => '/api/channels?page=1&perPage=10', ok: 200, forbidden: () => user, check: (b) => expect(b).toMatchObject({ total: 1, page: 1, perPage: 10 }) },
	{ name: 'get a channel', method: 'GET', path: () => `/api/channels/${ids.channel}`, ok: 200, forbidden: () => user, check: (b) => expect(b.name).toBe('main') },
	{
		name: 'update a channel',
		method: 'PATCH',
		path: () => `/api/channels/${ids.channel}`,
		body: () => ({ priority: 5, keys: ['sk-…1111'] }),
		ok: 200,
		forbidden: () => reader,
		bad: { body: { weight: 0 }, field: 'weight', table: 'channels' },
		check: (b) => expect(b).toMatchObject({ priority: 5, keys: [{ hint: 'sk-…1111' }] })
	},
	{
		name: 'disable a channel',
		method: 'POST',
		path: () => `/api/channels/${ids.channel}/disable`,
		body: () => ({ reason: 'maintenance' }),
		ok: 200,
		forbidden: () => reader,
		bad: { body: { reason: 'x'.repeat(501) }, field: 'reason', table: 'channels' },
		check: (b) => expect(b).toMatchObject({ status: 'disabled', disableKind: 'manual', disableReason: 'maintenance' })
	},
	{
		name: 'enable a channel',
		method: 'POST',
		path: () => `/api/channels/${ids.channel}/enable`,
		ok: 200,
		forbidden: () => reader,
		check: (b) => expect(b).toMatchObject({ status: 'enabled', disableKind: null })
	},
	{
		name: 'create a price',
		method: 'POST',
		path: () => '/api/prices',
		body: () => ({ model: 'gpt-4o', modelRatio: 1.25, completionRatio: 4, source: 'openai.com/pricing 2026-11' }),
		ok: 200,
		forbidden: () => reader,
		bad: { body: { model: 'gpt-4o' }, field: 'modelRatio', table: 'model_prices' },
		check: (b) => expect(b).toMatchObject({ model: 'gpt-4o', modelRatio: 1.25, completionRatio: 4, defaultOutputReserve: 4096 })
	},
	{
		name: 'list prices',
		method: 'GET',
		path: () => '/api/prices?perPage=200',
		ok: 200,
		forbidden: () => user,
		// gpt-4o is in the default table seeded at first start; the row above overwrote it.
		check: (b) => expect(b.items.find((p: { model: string }) => p.model === 'gpt-4o')).toMatchObject({ modelRatio: 1.25, source: 'openai.com/pricing 2026-11' })
	},
	{
		name: 'import New-API prices',
		method: 'POST',
		path: () => '/api/prices/import',
		body: () => ({ ModelRatio: '{"house-model": 0.5}', CompletionRatio: { 'house-model': 2 }, GroupRatio: { vip: 0.75 } }),
		ok: 200,
		forbidden: () => reader,
		bad: { body: { ModelRatio: { 'house-model': 0.5, 'gpt-4o': 'cheap' } }, field: 'ModelRatio.gpt-4o', table: 'model_prices' },
		check: (b) => expect(b).toEqual({ prices: 1, groups: 1 })
	},
	{
		name: 'create a user',
		method: 'POST',
		path: () => '/api/users',
		body: () => ({ username: 'alice', password: 'alice-password', group: 'vip' }),
		ok: 201,
		forbidden: () => reader,
		bad: { body: { username: 'al', password: 'alice-password' }, field: 'username', table: 'users' },
		check: (b) => {
			ids.user = b.id;
			expect(b).toMatchObject({ username: 'alice', role: 'user', group: 'vip', status: 'active' });
			expect(b.passwordHash).toBeUndefined();
		}
	},
	{ name: 'search users', method: 'GET', path: () => '/api/users?query=ali', ok: 200, forbidden: () => user, check: (b) => expect(b.items.map((u: { username: string }) => u.username)).toEqual(['alice']) },
	{ name: 'get a user', method: 'GET', path: () => `/api/users/${ids.user}`, ok: 200, forbidden: () => user, check: (b) => expect(b.username).toBe('alice') },
	{
		name: 'update a user',
		method: 'PATCH',
		path: () => `/api/users/${ids.user}`,
		body: () => ({ group: 'default' }),
		ok: 200,
		forbidden: () => reader,
		bad: { body: { group: 'no-such-group' }, field: 'group', table: 'users' },
		check: (b) => expect(b.group).toBe('default')
	},
	{
		name: 'create a key for a user',
		method: 'POST',
		path: () => '/api/keys',
		body: () => ({ name: 'ci', userId: ids.user, allowedModels: ['gpt-4o'] }),
		ok: 201,
		forbidden: () => reader,
		bad: { body: { name: 'ci', userId: ids.user, rpmLimit: 0 }, field: 'rpmLimit', table: 'api_keys' },
		check: (b) => {
			ids.key = b.apiKey.id;
			expect(b.key).toMatch(/^sk-[0-9A-Za-z]{48}$/);
			expect(b.apiKey.allowedModels).toEqual(['gpt-4o']);
		}
	},
	{ name: "list a user's keys", method: 'GET', path: () => `/api/keys?user=${ids.user}`, ok: 200, forbidden: () => user, check: (b) => expect(b.total).toBe(1) },
	{ name: 'get a key', method: 'GET', path: () => `/api/keys/${ids.key}`, ok: 200, hidden: () => user, check: (b) => expect(b.name).toBe('ci') },
	{
		name: 'update a key',
		method: 'PATCH',
		path: () => `/api/keys/${ids.key}`,
		body: () => ({ name: 'ci-2', allowedIps: ['10.0.0.0/8'] }),
		ok: 200,
		hidden: () => user,
		forbidden: () => reader,
		bad: { body: { allowedIps: ['nope'] }, field: 'allowedIps', table: 'api_keys' },
		check: (b) => expect(b).toMatchObject({ name: 'ci-2', allowedIps: ['10.0.0.0/8'] })
	},
	{ name: 'read options', method: 'GET', path: () => '/api/options', ok: 200, forbidden: () => user, check: (b) => expect(b['registration.enabled']).toBe(true) },
	{
		name: 'change options',
		method: 'PATCH',
		path: () => '/api/options',
		body: () => ({ 'relay.cors_origins': ['https://chat.example'] }),
		ok: 200,
		forbidden: () => admin,
		bad: { body: { 'registration.enabled': 'maybe' }, field: 'registration.enabled', table: 'options' },
		check: (b) => expect(b['relay.cors_origins']).toEqual(['https://chat.example'])
	},
	{
		name: 'create a management token',
		method: 'POST',
		path: () => '/api/tokens',
		body: () => ({ name: 'temp', scope: 'read' }),
		ok: 201,
		forbidden: () => admin,
		bad: { body: { name: 'temp', scope: 'superuser' }, field: 'scope', table: 'management_tokens' },
		check: (b) => {
			ids.token = b.managementToken.id;
			expect(b.token).toMatch(/^emt_[0-9A-Za-z]{40}$/);
		}
	},
	{ name: 'list management tokens', method: 'GET', path: () => '/api/tokens', ok: 200, forbidden: () => admin, check: (b) => expect(b.total).toBe(3) },
	{ name: 'revoke a management token', method: 'DELETE', path: () => `/api/tokens/${ids.token}`, ok: 204, forbidden: () => admin },
	{
		name: 'read the audit log',
		method: 'GET',
		path: () => '/api/audit?targetType=channel',
		ok: 200,
		forbidden: () => [user, reader, admin],
		check: (b) => expect(b.items.length).toBeGreaterThanOrEqual(4)
	},
	{ name: 'delete a key', method: 'DELETE', path: () => `/api/keys/${ids.key}`, ok: 204, hidden: () => user, forbidden: () => reader },
	{ name: 'delete a price', method: 'DELETE', path: () => '/api/prices/gpt-4o', ok: 204, forbidden: () => reader },
	{
		name: 'apply the default prices',
		method: 'POST',
		path: () => '/api/prices/defaults',
		body: () => ({}),
		ok: 200,
		forbidden: () => reader,
		bad: { body: { overwrite: 'yes' }, field: 'overwrite', table: 'model_prices' },
		// Only the price deleted just above was missing.
		check: (b) => expect(b).toEqual({ added: 1, updated: 0 })
	},
	{ name: 'delete a channel', method: 'DELETE', path: () => `/api/channels/${ids.channel}`, ok: 204, forbidden: () => reader },
	{ name: 'delete a group', method: 'DELETE', path: () => '/api/groups/vip', ok: 204, forbidden: () => reader },
	{
		name: 'create redemption codes',
		method: 'POST',
		path: () => '/api/redemptions',
		body: () => ({ name: 'promo', amountUsd: 5, count: 2 }),
		ok: 201,
		forbidden: () => reader,
		bad: { body: { name: 'promo', amountUsd: 0.001 }, field: 'amountUsd', table: 'redemption_codes' },
		check: (b) => {
			expect(b.redemption).toMatchObject({ name: 'promo', amountUsd: 5, quota: 2_500_000, count: 2 });
			codes.push(...b.codes.map((c: { code: string }) => c.code));
			ids.redemption = b.codes[1].id;
		}
	},
	{ name: 'list redemption codes', method: 'GET', path: () => '/api/redemptions?status=unused&name=promo', ok: 200, forbidden: () => user, check: (b) => expect(b.total).toBe(2) },
	{
		name: 'redeem a code',
		method: 'POST',
		path: () => '/api/redeem',
		body: () => ({ code: codes[0] }),
		ok: 200,
		forbidden: () => admin,
		as: () => user,
		bad: { body: { code: '' }, field: 'code', table: 'redemption_codes' },
		check: (b) => expect(b).toEqual({ credited: 2_500_000, creditedUsd: 5, balance: 2_500_000 })
	},
	{
		name: 'disable a redemption code',
		method: 'POST',
		path: () => `/api/redemptions/${ids.redemption}/disable`,
		ok: 200,
		forbidden: () => reader,
		check: (b) => expect(b).toMatchObject({ status: 'disabled', prefix: codes[1]!.slice(0, 8) })
	},
	{
		name: "adjust a user's balance",
		method: 'POST',
		path: () => `/api/users/${userId}/balance`,
		body: () => ({ delta: -500_000, reason: 'correction' }),
		ok: 200,
		forbidden: () => reader,
		bad: { body: { delta: 0, reason: 'nothing' }, field: 'delta', table: 'balance_changes' },
		check: (b) => expect(b).toMatchObject({ userId, delta: -500_000, balance: 2_000_000 })
	},
	{
		name: "read a user's balance history",
		method: 'GET',
		path: () => `/api/users/${userId}/balance-history?limit=2`,
		ok: 200,
		forbidden: () => user,
		check: (b) => expect(b.items.map((i: { reason: string }) => i.reason)).toEqual(['admin', 'redeem'])
	},
	{
		name: 'read my balance history',
		method: 'GET',
		path: () => '/api/me/balance-history',
		ok: 200,
		forbidden: () => admin,
		as: () => user,
		check: (b) => expect(b).toMatchObject({ items: [{ reason: 'admin' }, { reason: 'redeem' }, { reason: 'initial' }], next: null })
	},
	{
		name: 'start an online top-up (off until configured)',
		method: 'POST',
		path: () => '/api/payments/checkout',
		body: () => ({ amount: 10 }),
		ok: 404,
		forbidden: () => root,
		as: () => user,
		bad: { body: { amount: 0 }, field: 'amount', table: 'payment_orders' },
		check: (b) => expect(b.error.code).toBe('not_found')
	},
	{ name: 'list my payment orders', method: 'GET', path: () => '/api/payments', ok: 200, as: () => user, check: (b) => expect(b).toMatchObject({ items: [], total: 0 }) },
	{ name: 'list payment orders', method: 'GET', path: () => `/api/payments?status=paid&userId=${userId}`, ok: 200, check: (b) => expect(b.total).toBe(0) },
	{
		name: 'read payment settings',
		method: 'GET',
		path: () => '/api/payments/settings',
		ok: 200,
		forbidden: () => user,
		check: (b) => expect(b).toMatchObject({ enabled: false, stripeSecretKey: '', currency: 'usd', minAmount: 5, maxAmount: 1000 })
	},
	{
		name: 'set the Stripe secrets',
		method: 'PATCH',
		path: () => '/api/payments/settings',
		body: () => ({ stripeSecretKey: 'sk_test_endpoints000000001234', stripeWebhookSecret: 'whsec_endpoints0000000005678' }),
		ok: 200,
		forbidden: () => admin,
		bad: { body: { stripeSecretKey: 42 }, field: 'stripeSecretKey', table: 'options' },
		check: (b) => expect(b).toMatchObject({ enabled: true, stripeSecretKey: '…1234', stripeWebhookSecret: '…5678' })
	},
	{ name: 'read the request log', method: 'GET', path: () => '/api/logs?limit=5&status=error', ok: 200, check: (b) => expect(b).toEqual({ items: [], next: null }) },
	{ name: 'read usage totals', method: 'GET', path: () => '/api/usage?groupBy=day,model', ok: 200, check: (b) => expect(b).toMatchObject({ rows: [], totals: { requests: 0, cost: 0 } }) },
	{
		name: 'run log retention now',
		method: 'POST',
		path: () => '/api/logs/retention/run',
		body: () => ({ batchSize: 1000 }),
		ok: 200,
		forbidden: () => reader,
		bad: { body: { batchSize: 0 }, field: 'batchSize', table: 'request_logs' },
		check: (b) => expect(b).toEqual({ deleted: 0, batches: 0, retentionDays: 0 })
	},
	{ name: 'who am I', method: 'GET', path: () => '/api/me', ok: 200, check: (b) => expect(b).toMatchObject({ kind: 'token', scope: 'root' }) }
];

describe('every endpoint', () => {
	for (const e of endpoints) {
		test(e.name, async () => {
			// No auth: 401, and nothing happens.
			expectError(await anonymous.call(e.method, e.path(), e.body?.()), 401, 'unauthenticated');
			// Wrong role: 403.
			for (const caller of [e.forbidden?.() ?? []].flat()) expectError(await caller.call(e.method, e.path(), e.body?.()), 403, 'forbidden');
			if (e.hidden) expectError(await e.hidden().call(e.method, e.path(), e.body?.()), 404, 'not_found');
			// Bad body: 400 naming the field, and no change.
			if (e.bad) {
				const before = await fingerprint(e.bad.table);
				expectError(await (e.as?.() ?? root).call(e.method, e.path(), e.bad.body), 400, 'invalid_request', e.bad.field);
				expect(await fingerprint(e.bad.table)).toEqual(before);
			}
			const res = await (e.as?.() ?? root).call(e.method, e.path(), e.body?.());
			expect(res.status, JSON.stringify(res.body)).toBe(e.ok);
			e.check?.(res.body);
		});
	}
});

describe('who may do what', () => {
	test('a /v1 API key is refused on /api, and a management token on /v1', async () => {
		const { body } = await root.post('/api/keys', { name: 'relay-only', userId });
		const withKey = await new ApiClient(server.url, { bearer: body.key }).get('/api/me');
		expectError(withKey, 401, 'unauthenticated');
		expect(withKey.body.error.message).toContain('API keys work on /v1 only');

		const token = (await root.post('/api/tokens', { name: 'not-for-v1', scope: 'admin' })).body.token;
		const relay = await fetch(`${server.url}/v1/models`, { headers: { authorization: `Bearer ${token}` } });
		expect(relay.status).toBe(401);
		expect(((await relay.json()) as { error: { message: string } }).error.message).toContain('Management tokens work on /api only');
		const env = await fetch(`${server.url}/v1/models`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
		expect(env.status).toBe(401);
	});

	test('a read-only token reads but cannot write', async () => {
		expect((await reader.get('/api/users')).status).toBe(200);
		const before = await fingerprint('users');
		expectError(await reader.post('/api/users', { username: 'sneaky', password: 'sneaky-password' }), 403, 'forbidden');
		expect(await fingerprint('users')).toEqual(before);
	});

	test('an admin token cannot create root or admins, nor promote anyone', async () => {
		const before = await fingerprint('users');
		expectError(await admin.post('/api/users', { username: 'newroot', password: 'newroot-password', role: 'root' }), 403, 'forbidden');
		expectError(await admin.post('/api/users', { username: 'newadmin', password: 'newadmin-password', role: 'admin' }), 403, 'forbidden');
		expectError(await admin.patch(`/api/users/${userId}`, { role: 'admin' }), 403, 'forbidden');
		expect(await fingerprint('users')).toEqual(before);
		const made = await root.post('/api/users', { username: 'realadmin', password: 'realadmin-password', role: 'admin' });
		expect(made.status).toBe(201);
		expectError(await admin.patch(`/api/users/${made.body.id}`, { enabled: false }), 403, 'forbidden');
	});

	test("an administrator cannot reach root's or another administrator's money: keys and redemption codes", async () => {
		const rootId = (await db.sql`select id from users where username = 'root'`)[0]!.id as number;
		const otherAdmin = await root.post('/api/users', { username: 'money-admin-2', password: 'money-admin-password', role: 'admin' });
		await root.post('/api/users', { username: 'money-admin', password: 'money-admin-password', role: 'admin' });
		const web = new WebClient(server.url);
		expect((await signIn(web, 'money-admin', 'money-admin-password')).status).toBe(303);
		const adminUser = new ApiClient(server.url, { cookie: `elygate_session=${web.cookies.get('elygate_session')}`, origin: server.url });
		const rootKey = (await root.post('/api/keys', { name: 'root-own', userId: rootId })).body.apiKey.id as number;
		const keysBefore = await fingerprint('api_keys');

		// Keys spend their owner's balance: an admin (session or admin token) may not make or touch root's or an admin's.
		for (const caller of [admin, adminUser]) {
			for (const owner of [rootId, otherAdmin.body.id as number]) {
				expectError(await caller.post('/api/keys', { name: 'spend-it', userId: owner }), 403, 'forbidden');
			}
			expectError(await caller.get(`/api/keys?user=${rootId}`), 403, 'forbidden');
			expectError(await caller.get(`/api/keys/${rootKey}`), 403, 'forbidden');
			expectError(await caller.patch(`/api/keys/${rootKey}`, { enabled: false }), 403, 'forbidden');
			expectError(await caller.delete(`/api/keys/${rootKey}`), 403, 'forbidden');
		}
		expectError(await reader.get(`/api/keys?user=${rootId}`), 403, 'forbidden');
		expect(await fingerprint('api_keys')).toEqual(keysBefore);
		// Their own keys and plain users' keys stay theirs to manage.
		expect((await adminUser.post('/api/keys', { name: 'mine' })).status).toBe(201);
		expect((await admin.post('/api/keys', { name: 'for-a-user', userId })).status).toBe(201);

		// A code an admin mints cannot land on an admin's own balance.
		const minted = await adminUser.post('/api/redemptions', { name: 'self-serve', amountUsd: 1000 });
		expect(minted.status).toBe(201);
		const balances = await db.sql`select quota from users where username = 'money-admin'`;
		expectError(await adminUser.post('/api/redeem', { code: minted.body.codes[0].code }), 403, 'forbidden');
		const form = await web.postForm('/topup?/redeem', { code: minted.body.codes[0].code });
		expect(form.status).toBe(403);
		expect(await form.text()).toContain('Administrators cannot redeem codes');
		expect(await db.sql`select quota from users where username = 'money-admin'`).toEqual(balances);
		expect((await db.sql`select status from redemption_codes where id = ${minted.body.codes[0].id}`)[0]!.status).toBe('unused');
		// Root may.
		const rootWeb = new WebClient(server.url);
		expect((await signIn(rootWeb, 'root', 'root-password-1')).status).toBe(303);
		const rootUser = new ApiClient(server.url, { cookie: `elygate_session=${rootWeb.cookies.get('elygate_session')}`, origin: server.url });
		expect((await rootUser.post('/api/redeem', { code: minted.body.codes[0].code })).status).toBe(200);
	});

	test('a signed-in user manages their own keys through the session, with the origin check', async () => {
		const created = await user.post('/api/keys', { name: 'laptop' });
		expect(created.status).toBe(201);
		expect(created.body.apiKey.userId).toBe(userId);
		const mine = await user.get('/api/keys');
		expect(mine.body.items.map((k: { name: string }) => k.name)).toContain('laptop');
		expectError(await user.get(`/api/keys?user=${userId + 1000}`), 403, 'forbidden');
		const crossSite = new ApiClient(server.url, { cookie: user.auth.cookie, origin: 'https://evil.example' });
		const before = await fingerprint('api_keys');
		const refused = await crossSite.post('/api/keys', { name: 'stolen' });
		expect(refused.status).toBe(403);
		expect(await fingerprint('api_keys')).toEqual(before);
	});

	test('an invalid bearer never falls back to the session cookie beside it', async () => {
		const both = new ApiClient(server.url, { bearer: 'emt_not-a-real-token', cookie: user.auth.cookie, origin: server.url });
		expectError(await both.get('/api/keys'), 401, 'unauthenticated');
	});

	test('revoked and expired tokens stop working', async () => {
		const made = await root.post('/api/tokens', { name: 'short', scope: 'read', expiresAt: new Date(Date.now() + 1500).toISOString() });
		const short = new ApiClient(server.url, { bearer: made.body.token });
		expect((await short.get('/api/me')).status).toBe(200);
		await eventually(async () => expectError(await short.get('/api/me'), 401, 'unauthenticated'), { interval: 200 });
		const other = await root.post('/api/tokens', { name: 'revoke-me', scope: 'read' });
		await root.delete(`/api/tokens/${other.body.managementToken.id}`);
		expectError(await new ApiClient(server.url, { bearer: other.body.token }).get('/api/me'), 401, 'unauthenticated');
	});
});

describe('requests that are not right', () => {
	test('not JSON, unknown ids, unknown paths', async () => {
		expectError(await root.call('POST', '/api/groups', '{oops', { 'content-type': 'application/json' }), 400, 'invalid_json');
		expectError(await root.call('POST', '/api/groups', 'name=x', { 'content-type': 'application/x-www-form-urlencoded' }), 415, 'unsupported_media_type');
		expectError(await root.get('/api/channels/999999'), 404, 'not_found');
		expectError(await root.get('/api/channels/abc'), 404, 'not_found');
		expectError(await root.get('/api/nothing-here'), 404, 'not_found');
		expectError(await root.get('/api/users?page=0'), 400, 'invalid_request', 'page');
	});
});

describe('channel config', () => {
	test("keys that are not the channel type's settings are refused by name, on create and update", async () => {
		const channel = { type: 'openai', name: 'strict', baseUrl: 'https://api.example.com', models: ['m'], keys: ['sk-strict-0000'] };
		const before = await fingerprint('channels');
		expectError(await root.post('/api/channels', { ...channel, config: { responsesApi: true, responseApi: true } }), 400, 'invalid_request', 'config.responseApi');
		expectError(await root.post('/api/channels', { ...channel, config: { timeouts: { connectMs: 500, idleMs: 1 } } }), 400, 'invalid_request', 'config.timeouts.idleMs');
		expect(await fingerprint('channels')).toEqual(before);

		const made = await root.post('/api/channels', { ...channel, config: { responsesApi: true, timeouts: { connectMs: 500 } } });
		expect(made.status, JSON.stringify(made.body)).toBe(201);
		const refused = await root.patch(`/api/channels/${made.body.id}`, { config: { anthropicVersion: '2023-06-01' } });
		expectError(refused, 400, 'invalid_request', 'config.anthropicVersion');
		expect(refused.body.error.message).toContain('Unrecognized key: "anthropicVersion"');
		// A setting of another type is just as unknown.
		expectError(await root.patch(`/api/channels/${made.body.id}`, { type: 'anthropic', config: { responsesApi: true } }), 400, 'invalid_request', 'config.responsesApi');
		expect((await root.get(`/api/channels/${made.body.id}`)).body.config).toEqual({ responsesApi: true, timeouts: { connectMs: 500 } });
	});
});

describe('Idempotency-Key', () => {
	test('a replayed create returns the first answer and creates nothing new; another body is refused', async () => {
		const body = { username: 'once-only', password: 'once-password' };
		const first = await root.post('/api/users', body, { 'idempotency-key': 'create-once-1' });
		const again = await root.post('/api/users', body, { 'idempotency-key': 'create-once-1' });
		expect(first.status).toBe(201);
		expect(again.status).toBe(201);
		expect(again.body).toEqual(first.body);
		expect(await db.sql`select 1 from users where username = 'once-only'`).toHaveLength(1);
		expectError(await root.post('/api/users', { ...body, username: 'twice' }, { 'idempotency-key': 'create-once-1' }), 422, 'idempotency_mismatch');

		// The full key of a created API key comes back on replay (sealed at rest, not stored in clear).
		const k1 = await root.post('/api/keys', { name: 'idem', userId }, { 'idempotency-key': 'key-once' });
		const k2 = await root.post('/api/keys', { name: 'idem', userId }, { 'idempotency-key': 'key-once' });
		expect(k2.body.key).toBe(k1.body.key);
		const [stored] = await db.sql`select response_body from idempotency_keys where key = 'key-once'`;
		expect(JSON.stringify(stored)).not.toContain(k1.body.key);
		expect(await db.sql`select 1 from api_keys where name = 'idem'`).toHaveLength(1);
	});

	test('a failed create leaves the key free for the retry', async () => {
		expectError(await root.post('/api/users', { username: 'x' }, { 'idempotency-key': 'retry-me' }), 400, 'invalid_request', 'username');
		expect((await root.post('/api/users', { username: 'fixed-user', password: 'fixed-password' }, { 'idempotency-key': 'retry-me' })).status).toBe(201);
	});
});
