import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ApiClient } from '../harness/api-client';
import { freshDatabase, type TestDatabase } from '../harness/database';
import { startMockModelLists, type MockModelLists } from '../harness/mock-model-lists';
import { startMockUpstream, type MockUpstream } from '../harness/mock-upstream';
import { startServer, type TestServer } from '../harness/server';

// What the channel console asks of upstreams, through the management API: model lists, tests of
// settings not saved, balances, search and tags, batch actions.
const ADMIN_TOKEN = 'channels-upstream-token-0123456789abcdef';
const GOOD = 'sk-good-upstream-key-0001';

let db: TestDatabase;
let server: TestServer;
let lists: MockModelLists;
let mock: MockUpstream;
let api: ApiClient;

beforeAll(async () => {
	db = await freshDatabase();
	lists = await startMockModelLists();
	mock = await startMockUpstream();
	server = await startServer({ env: { DATABASE_URL: db.url, ELYGATE_ADMIN_TOKEN: ADMIN_TOKEN } });
	api = new ApiClient(server.url, { bearer: ADMIN_TOKEN });
});

afterAll(async () => {
	await server?.stop();
	await lists?.close();
	await mock?.close();
	await db?.drop();
});

const create = async (body: Record<string, unknown>) => {
	const res = await api.post('/api/channels', { models: ['gpt-4o'], keys: [GOOD], ...body });
	expect(res.status, JSON.stringify(res.body)).toBe(201);
	return res.body as { id: number; keys: Array<{ hint: string }> };
};

const lastRequest = () => lists.requests.at(-1)!;

describe('POST /api/channels/models', () => {
	test("an OpenAI-style upstream's list, sorted, read with the draft's first key", async () => {
		const res = await api.post('/api/channels/models', { type: 'openai', baseUrl: `${lists.url}/v1`, keys: [GOOD, 'sk-second'] });
		expect(res.status).toBe(200);
		expect(res.body).toEqual({ ok: true, models: [...lists.openai].sort(), status: 200, error: null });
		expect(lastRequest()).toMatchObject({ method: 'GET', path: '/v1/models' });
		expect(lastRequest().headers.authorization).toBe(`Bearer ${GOOD}`);
	});

	test('Anthropic pages are followed with after_id, with x-api-key and anthropic-version', async () => {
		const before = lists.requests.length;
		const res = await api.post('/api/channels/models', { type: 'anthropic', baseUrl: `${lists.url}/anthropic/v1`, keys: [GOOD] });
		expect(res.body).toMatchObject({ ok: true, models: [...lists.anthropic].sort() });
		const asked = lists.requests.slice(before);
		expect(asked.map((r) => r.path)).toEqual(['/anthropic/v1/models?limit=1000', '/anthropic/v1/models?limit=1000&after_id=claude-opus-4-1']);
		expect(asked[0]!.headers).toMatchObject({ 'x-api-key': GOOD, 'anthropic-version': '2023-06-01' });
	});

	test('Gemini pages are followed with pageToken; the key goes in a header, never the URL', async () => {
		const before = lists.requests.length;
		const res = await api.post('/api/channels/models', { type: 'gemini', baseUrl: `${lists.url}/gemini`, keys: [GOOD] });
		expect(res.body).toMatchObject({ ok: true, models: [...lists.gemini].sort() });
		const asked = lists.requests.slice(before);
		expect(asked.map((r) => r.path)).toEqual(['/gemini/v1beta/models?pageSize=1000', '/gemini/v1beta/models?pageSize=1000&pageToken=2']);
		expect(asked.every((r) => r.headers['x-goog-api-key'] === GOOD && !r.path.includes(GOOD))).toBe(true);
	});

	test("an upstream's refusal is a result with its status and words, not an API error", async () => {
		const res = await api.post('/api/channels/models', { type: 'openai', baseUrl: `${lists.url}/v1`, keys: ['sk-wrong'] });
		expect(res.status).toBe(200);
		expect(res.body).toEqual({ ok: false, models: [], status: 401, error: 'The upstream answered 401: Incorrect API key provided (mock)' });
	});

	test("a saved channel's masked key stands for its stored key; drafts are checked as saving checks them", async () => {
		const saved = await create({ type: 'openai', name: 'saved', baseUrl: `${lists.url}/v1` });
		const res = await api.post('/api/channels/models', { channelId: saved.id, keys: [saved.keys[0]!.hint] });
		expect(res.body).toMatchObject({ ok: true });
		expect(lastRequest().headers.authorization).toBe(`Bearer ${GOOD}`);
		expect((await api.post('/api/channels/models', { channelId: saved.id })).body).toMatchObject({ ok: true });

		const masked = await api.post('/api/channels/models', { channelId: saved.id, keys: ['sk-…zzzz'] });
		expect(masked).toMatchObject({ status: 400, body: { error: { field: 'keys' } } });
		const metadata = await api.post('/api/channels/models', { type: 'openai', baseUrl: 'http://169.254.169.254/v1', keys: [GOOD] });
		expect(metadata).toMatchObject({ status: 400, body: { error: { field: 'baseUrl' } } });
		expect(metadata.body.error.message).toMatch(/metadata/);
		const noKey = await api.post('/api/channels/models', { type: 'openai', baseUrl: `${lists.url}/v1` });
		expect(noKey).toMatchObject({ status: 400, body: { error: { field: 'keys', message: 'keys: Add an API key first.' } } });
	});
});

describe('POST /api/channels/draft-test', () => {
	test('tests settings not saved with the chosen model, and writes nothing', async () => {
		const state = async () => ({
			channels: (await db.sql`select id, last_test_at, updated_at from channels order by id`).map((r) => ({ ...r })),
			audit: Number((await db.sql`select count(*)::int as n from audit_log`)[0]!.n)
		});
		const before = await state();
		const res = await api.post('/api/channels/draft-test', { type: 'openai', baseUrl: `${mock.url}/v1`, keys: ['sk-draft-0001'], models: ['mock-gpt', 'mock-b'], model: 'mock-b' });
		expect(res.status).toBe(200);
		expect(res.body).toMatchObject({ ok: true, model: 'mock-b', status: 200, error: null });
		expect(mock.requests.at(-1)).toMatchObject({ path: '/v1/chat/completions', body: { model: 'mock-b' } });
		expect(mock.requests.at(-1)!.headers.authorization).toBe('Bearer sk-draft-0001');
		expect(await state()).toEqual(before);

		const refused = await api.post('/api/channels/draft-test', { type: 'openai', baseUrl: `${mock.url}/v1`, keys: ['k'], models: ['mock-gpt'], model: 'other' });
		expect(refused).toMatchObject({ status: 400, body: { error: { field: 'model' } } });
		mock.enqueue({ kind: 'error', status: 401, body: { error: { message: 'bad key (mock)', type: 'invalid_request_error' } } });
		const failed = await api.post('/api/channels/draft-test', { type: 'openai', baseUrl: `${mock.url}/v1`, keys: ['k'], models: ['mock-gpt'] });
		expect(failed.body).toMatchObject({ ok: false, model: 'mock-gpt', status: 401 });
		expect(await state()).toEqual(before);
	});
});

describe('balances', () => {
	test("a DeepSeek channel's balance is read from the provider and kept; OpenAI has none", async () => {
		const ds = await create({ type: 'deepseek', name: 'deepseek', baseUrl: lists.url, models: ['deepseek-chat'] });
		const res = await api.post(`/api/channels/${ds.id}/balance`);
		expect(res.status).toBe(200);
		expect(res.body).toMatchObject({ ok: true, available: true, balance: { amount: '42.50', currency: 'USD' }, error: null });
		expect(lastRequest()).toMatchObject({ method: 'GET', path: '/user/balance' });
		const read = await api.get(`/api/channels/${ds.id}`);
		expect(read.body).toMatchObject({ balanceAmount: '42.500000', balanceCurrency: 'USD', balanceError: null });
		expect(read.body.balanceCheckedAt).toEqual(expect.any(String));

		// A failed check keeps the amount and says why.
		await api.patch(`/api/channels/${ds.id}`, { keys: ['sk-revoked'] });
		const failed = await api.post(`/api/channels/${ds.id}/balance`);
		expect(failed.body).toMatchObject({ ok: false, available: true, balance: null, error: 'The upstream answered 401: Incorrect API key provided (mock)' });
		expect((await api.get(`/api/channels/${ds.id}`)).body).toMatchObject({ balanceAmount: '42.500000', balanceError: 'The upstream answered 401: Incorrect API key provided (mock)' });

		const oa = await create({ type: 'openai', name: 'openai-balance', baseUrl: `${lists.url}/v1` });
		expect((await api.post(`/api/channels/${oa.id}/balance`)).body).toMatchObject({ ok: false, available: false, balance: null });
	});
});

describe('search, tags and batch actions', () => {
	test('the list finds channels by part of the name, a tag or a model; tags filter exactly', async () => {
		const a = await create({ type: 'openai', name: 'Tagged Alpha', baseUrl: `${mock.url}/v1`, tags: ['prod', 'cheap'], models: ['alpha-model-x'] });
		const b = await create({ type: 'openai', name: 'Beta', baseUrl: `${mock.url}/v1`, tags: ['prod'], models: ['beta-model'] });
		const ids = async (query: string) => ((await api.get(`/api/channels?${query}`)).body.items as Array<{ id: number }>).map((c) => c.id).sort();
		expect(await ids('q=tagged')).toEqual([a.id]);
		expect(await ids('q=MODEL-X')).toEqual([a.id]);
		expect(await ids('q=chea')).toEqual([a.id]);
		expect(await ids('tag=prod')).toEqual([a.id, b.id].sort());
		expect(await ids('tag=pro')).toEqual([]);
		expect(await ids('q=%25')).toEqual([]);
		expect((await api.get(`/api/channels/${a.id}`)).body.tags).toEqual(['prod', 'cheap']);
		const bad = await api.post('/api/channels', { type: 'openai', name: 'x', baseUrl: `${mock.url}/v1`, models: ['m'], keys: ['k'], tags: ['a,b'] });
		expect(bad).toMatchObject({ status: 400, body: { error: { field: 'tags.0' } } });
	});

	test('batch disable of two channels: each disabled by hand and audited as a single disable', async () => {
		const one = await create({ type: 'openai', name: 'batch one', baseUrl: `${mock.url}/v1` });
		const two = await create({ type: 'openai', name: 'batch two', baseUrl: `${mock.url}/v1` });
		const res = await api.post('/api/channels/batch', { action: 'disable', ids: [one.id, two.id, 999_999], reason: 'maintenance' });
		expect(res.status).toBe(200);
		expect(res.body.results).toEqual([
			{ id: one.id, name: 'batch one', ok: true, error: null },
			{ id: two.id, name: 'batch two', ok: true, error: null },
			{ id: 999_999, name: null, ok: false, error: 'Channel not found' }
		]);
		const rows = await db.sql`select id, status, disable_kind, disable_reason from channels where id in ${db.sql([one.id, two.id])} order by id`;
		expect(rows.map((r) => ({ ...r }))).toEqual([
			{ id: one.id, status: 'disabled', disable_kind: 'manual', disable_reason: 'maintenance' },
			{ id: two.id, status: 'disabled', disable_kind: 'manual', disable_reason: 'maintenance' }
		]);
		const audit = await db.sql`select action, target_id from audit_log where action = 'channel.disable' order by id`;
		expect(audit.map((r) => `${r.action} ${r.target_id}`)).toEqual([`channel.disable ${one.id}`, `channel.disable ${two.id}`]);

		const enabled = await api.post('/api/channels/batch', { action: 'enable', ids: [one.id, two.id] });
		expect(enabled.body.results.every((r: { ok: boolean }) => r.ok)).toBe(true);
		const tested = await api.post('/api/channels/batch', { action: 'test', ids: [one.id] });
		expect(tested.body.results[0]).toMatchObject({ id: one.id, ok: true, test: { ok: true, model: 'gpt-4o' } });
		const deleted = await api.post('/api/channels/batch', { action: 'delete', ids: [two.id] });
		expect(deleted.body.results[0]).toMatchObject({ ok: true });
		expect((await db.sql`select deleted_at from channels where id = ${two.id}`)[0]!.deleted_at).not.toBeNull();
		expect((await api.post('/api/channels/batch', { action: 'explode', ids: [one.id] })).status).toBe(400);
	});
});
