import OpenAI, { APIError } from 'openai';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { SYSTEM } from '../../src/lib/server/services/actor';
import { updateApiKey } from '../../src/lib/server/services/api-keys';
import { ApiClient } from '../harness/api-client';
import { expectBooksBalanceOnceDrained } from '../harness/books';
import { freshDatabase, type TestDatabase } from '../harness/database';
import { eventually } from '../harness/eventually';
import { TEST_SECRET_KEY, fixtures, keyIsLive, keyIsRefused, openaiChannel, priceModels, userWithKey, type Fixtures } from '../harness/fixtures';
import { sample, scrapeMetrics } from '../harness/metrics';
import { startMockUpstream, type MockUpstream } from '../harness/mock-upstream';
import { startServer, type TestServer } from '../harness/server';

// Calls refused before they reach an upstream (a key check, a limit, the model, the balance)
// are logged as cost-0 rows with the code the caller got, through the ledger, a few per key.
const ADMIN_TOKEN = 'refusals-admin-token-0123456789abcdef';
const MODEL = 'gpt-4o-mini';
const LIMIT = 4;

let db: TestDatabase;
let fx: Fixtures;
let mock: MockUpstream;
let server: TestServer;
let admin: ApiClient;

beforeAll(async () => {
	db = await freshDatabase();
	fx = fixtures(db.url);
	mock = await startMockUpstream();
	server = await startServer({ env: { DATABASE_URL: db.url, ELYGATE_SECRET_KEY: TEST_SECRET_KEY, ELYGATE_ADMIN_TOKEN: ADMIN_TOKEN } });
	admin = new ApiClient(server.url, { bearer: ADMIN_TOKEN });
	expect((await admin.patch('/api/options', { 'relay.refusal_logs_per_minute': LIMIT })).status).toBe(200);
	await openaiChannel(fx, `${mock.url}/v1`, { models: [MODEL, 'text-embedding-3-small', 'gpt-3.5-turbo-instruct', 'unpriced-model'] });
	await priceModels(fx, [MODEL, 'text-embedding-3-small', 'gpt-3.5-turbo-instruct']);
});

afterAll(async () => {
	await server?.stop();
	await mock?.close();
	await fx?.close();
	await db?.drop();
});

function client(key: string): OpenAI {
	return new OpenAI({ baseURL: `${server.url}/v1`, apiKey: key, maxRetries: 0, timeout: 15_000 });
}

/** The API error a call got (it must fail). */
async function refusal(call: Promise<unknown>): Promise<APIError> {
	const err = await call.then(
		() => undefined,
		(e: unknown) => e
	);
	if (!(err instanceof APIError)) throw new Error(`expected an API error, got ${String(err)}`);
	return err;
}

type Row = { request_id: string; user_id: number; api_key_id: number | null; channel_id: number | null; model: string; door: string; status: number; error_code: string | null; error: string | null; cost: string; attempts: number; repeat_count: number };

async function logRow(requestId: string | null | undefined): Promise<Row> {
	expect(requestId).toMatch(/^req_/);
	return eventually(async () => {
		const [row] = await db.sql<Row[]>`select * from request_logs where request_id = ${requestId!}`;
		expect(row).toBeDefined();
		return row!;
	});
}

async function quotaOf(userId: number): Promise<number> {
	const [row] = await db.sql<{ quota: string }[]>`select quota from users where id = ${userId}`;
	return Number(row!.quota);
}

const hi = (model = MODEL) => ({ model, messages: [{ role: 'user' as const, content: 'hi' }] });

describe('a refused call of a known key is a cost-0 log row with its reason', () => {
	test('a disabled key: 403 key_disabled, logged without the model (its body is never read), nothing charged', async () => {
		const { key, keyId, userId } = await userWithKey(fx);
		await keyIsLive(server.url, key);
		await updateApiKey(fx, SYSTEM, keyId, { enabled: false });
		await keyIsRefused(server.url, key, 'key_disabled');
		const before = await quotaOf(userId);
		const err = await refusal(client(key).chat.completions.create(hi()));
		expect([err.status, err.code]).toEqual([403, 'key_disabled']);
		const row = await logRow(err.requestID);
		expect(row).toMatchObject({ user_id: userId, api_key_id: keyId, channel_id: null, model: '', door: 'chat', status: 403, error_code: 'key_disabled', cost: '0', attempts: 0 });
		expect(row.error).toBe('This API key is disabled.');
		expect(await quotaOf(userId)).toBe(before);
		expect(mock.requests).toHaveLength(0);
	});

	test('a model outside the key allow-list: 403 model_not_allowed, logged with the model asked for', async () => {
		const { key, keyId } = await userWithKey(fx, { key: { allowedModels: [MODEL] } });
		await keyIsLive(server.url, key);
		const err = await refusal(client(key).chat.completions.create(hi('gpt-4.1')));
		expect([err.status, err.code]).toEqual([403, 'model_not_allowed']);
		expect(await logRow(err.requestID)).toMatchObject({ api_key_id: keyId, model: 'gpt-4.1', status: 403, error_code: 'model_not_allowed', cost: '0' });
	});

	test('an address outside the key IP allow-list: 403 ip_not_allowed', async () => {
		const { key, keyId } = await userWithKey(fx, { key: { allowedIps: ['10.9.8.7'] } });
		await keyIsRefused(server.url, key, 'ip_not_allowed');
		const err = await refusal(client(key).chat.completions.create(hi()));
		expect(await logRow(err.requestID)).toMatchObject({ api_key_id: keyId, status: 403, error_code: 'ip_not_allowed', cost: '0' });
	});

	test('an unknown model through every door: 404 model_not_found, each with its door and the model', async () => {
		const { key, keyId } = await userWithKey(fx);
		await keyIsLive(server.url, key);
		const c = client(key);
		const errors = [
			['chat', await refusal(c.chat.completions.create(hi('no-such-model')))],
			['completions', await refusal(c.completions.create({ model: 'no-such-model', prompt: 'hi' }))],
			['embeddings', await refusal(c.embeddings.create({ model: 'no-such-model', input: 'hi' }))],
			['responses', await refusal(c.responses.create({ model: 'no-such-model', input: 'hi' }))]
		] as const;
		// Four refusals are this key's limit for the minute: the fifth door gets a key of its own.
		const other = await userWithKey(fx);
		await keyIsLive(server.url, other.key);
		const messages = await fetch(`${server.url}/v1/messages`, {
			method: 'POST',
			headers: { 'x-api-key': other.key, 'anthropic-version': '2023-06-01', 'content-type': 'application/json' },
			body: JSON.stringify({ model: 'no-such-model', max_tokens: 10, messages: [{ role: 'user', content: 'hi' }] })
		});
		expect(messages.status).toBe(404);
		for (const [door, err] of errors) {
			expect([door, err.status, err.code]).toEqual([door, 404, 'model_not_found']);
			expect(await logRow(err.requestID)).toMatchObject({ api_key_id: keyId, model: 'no-such-model', door, status: 404, error_code: 'model_not_found', cost: '0', attempts: 0 });
		}
		expect(await logRow(messages.headers.get('x-request-id'))).toMatchObject({ api_key_id: other.keyId, door: 'messages', status: 404, error_code: 'model_not_found', model: 'no-such-model' });
		expect(mock.requests).toHaveLength(0);
	});

	test('an unpriced model: 403 model_not_priced', async () => {
		const { key } = await userWithKey(fx);
		await keyIsLive(server.url, key);
		const err = await refusal(client(key).chat.completions.create(hi('unpriced-model')));
		expect(await logRow(err.requestID)).toMatchObject({ model: 'unpriced-model', status: 403, error_code: 'model_not_priced', cost: '0' });
	});

	test('an exhausted balance: 429 insufficient_quota, logged, the balance untouched', async () => {
		const { key, userId } = await userWithKey(fx, { quota: 0 });
		await keyIsLive(server.url, key);
		const err = await refusal(client(key).chat.completions.create(hi()));
		expect([err.status, err.code]).toEqual([429, 'insufficient_quota']);
		expect(await logRow(err.requestID)).toMatchObject({ user_id: userId, model: MODEL, status: 429, error_code: 'insufficient_quota', cost: '0', attempts: 0 });
		expect(await quotaOf(userId)).toBe(0);
		// The user reads it through the API as well, with its code.
		const res = await fetch(`${server.url}/api/logs?userId=${userId}&status=error`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
		const body = (await res.json()) as { items: Array<{ requestId: string; errorCode: string; repeatCount: number; cost: number }> };
		expect(body.items).toEqual([expect.objectContaining({ requestId: err.requestID, errorCode: 'insufficient_quota', repeatCount: 0, cost: 0 })]);
	});

	test('a key over its requests per minute: 429 rate_limit_exceeded', async () => {
		const { key } = await userWithKey(fx, { key: { rpmLimit: 1 } });
		await keyIsLive(server.url, key);
		await client(key).chat.completions.create(hi());
		const err = await refusal(client(key).chat.completions.create(hi()));
		expect([err.status, err.code]).toEqual([429, 'rate_limit_exceeded']);
		expect(await logRow(err.requestID)).toMatchObject({ status: 429, error_code: 'rate_limit_exceeded', cost: '0' });
	});

	test('an unknown key: 401, no row, only the metrics count it', async () => {
		const series = 'elygate_relay_requests_total{model="other",channel_type="none",status_class="4xx"}';
		const counted = sample(await scrapeMetrics(server.url), series) || 0;
		const rowsBefore = (await db.sql<{ n: number }[]>`select count(*)::int as n from request_logs`)[0]!.n;
		const err = await refusal(client('sk-not-a-key-of-this-gateway-000000').chat.completions.create(hi()));
		expect([err.status, err.code]).toEqual([401, 'invalid_api_key']);
		expect(sample(await scrapeMetrics(server.url), series)).toBe(counted + 1);
		// A call logged after it is written, and the unknown key's call is not.
		const { key } = await userWithKey(fx);
		await keyIsLive(server.url, key);
		const later = await refusal(client(key).chat.completions.create(hi('no-such-model')));
		await logRow(later.requestID);
		expect(await db.sql`select 1 from request_logs where request_id = ${err.requestID!}`).toHaveLength(0);
		expect((await db.sql<{ n: number }[]>`select count(*)::int as n from request_logs`)[0]!.n).toBe(rowsBefore + 1);
	});

	test('a storm of refusals writes at most the limit per key; the rest are counted; the books balance', async () => {
		const { key, keyId, userId } = await userWithKey(fx);
		await keyIsLive(server.url, key);
		await updateApiKey(fx, SYSTEM, keyId, { enabled: false });
		await keyIsRefused(server.url, key, 'key_disabled');
		const suppressed = sample(await scrapeMetrics(server.url), 'elygate_relay_refusals_suppressed_total') || 0;
		const refused = sample(await scrapeMetrics(server.url), 'elygate_relay_refusals_total{code="key_disabled",status="403"}') || 0;
		const before = await quotaOf(userId);
		const c = client(key);
		const statuses = await Promise.all(Array.from({ length: 30 }, () => refusal(c.chat.completions.create(hi())).then((e) => e.status)));
		expect(statuses).toEqual(Array.from({ length: 30 }, () => 403));
		const metrics = await scrapeMetrics(server.url);
		expect(sample(metrics, 'elygate_relay_refusals_total{code="key_disabled",status="403"}')).toBe(refused + 30);
		expect(sample(metrics, 'elygate_relay_refusals_suppressed_total')).toBe(suppressed + 30 - LIMIT);
		await expectBooksBalanceOnceDrained(db.sql, [server.url]);
		const rows = await db.sql<Row[]>`select * from request_logs where api_key_id = ${keyId}`;
		expect(rows).toHaveLength(LIMIT);
		expect(rows.every((r) => r.status === 403 && r.cost === '0' && r.repeat_count === 0)).toBe(true);
		expect(await quotaOf(userId)).toBe(before);
	});
});
