import { afterAll, beforeAll, expect, test } from 'vitest';
import { promptReserveTokens } from '../../src/lib/server/billing/prompt-reserve';
import { ApiClient } from '../harness/api-client';
import { expectBooksBalance, expectBooksBalanceOnceDrained } from '../harness/books';
import { freshDatabase, type TestDatabase } from '../harness/database';
import { eventually } from '../harness/eventually';
import { TEST_SECRET_KEY, modelIsListed } from '../harness/fixtures';
import { startMockUpstream, type MockUpstream } from '../harness/mock-upstream';
import { startServer, type TestServer } from '../harness/server';

const ADMIN_TOKEN = 'instances-admin-token-0123456789abcdef';

let db: TestDatabase;
let mock: MockUpstream;
const servers: TestServer[] = [];
const env = () => ({ DATABASE_URL: db.url, ELYGATE_SECRET_KEY: TEST_SECRET_KEY, ELYGATE_ADMIN_TOKEN: ADMIN_TOKEN });
let serial = 0;

beforeAll(async () => {
	db = await freshDatabase();
	mock = await startMockUpstream();
	mock.setDefault({ kind: 'ok', usage: { prompt_tokens: 10, completion_tokens: 5 } });
});

afterAll(async () => {
	await Promise.all(servers.map((s) => s.stop().catch(() => 0)));
	await mock?.close();
	await db?.drop();
});

async function start(): Promise<{ server: TestServer; admin: ApiClient }> {
	const server = await startServer({ env: env() });
	servers.push(server);
	return { server, admin: new ApiClient(server.url, { bearer: ADMIN_TOKEN }) };
}

/** A priced model and a user with a key; the user's quota may depend on the model's name. */
async function setUp(admin: ApiClient, quotaFor: number | ((model: string) => number)) {
	const model = `multi-model-${++serial}`;
	const quota = typeof quotaFor === 'number' ? quotaFor : quotaFor(model);
	expect((await admin.post('/api/channels', { type: 'openai', name: `mock ${serial}`, baseUrl: `${mock.url}/v1`, models: [model], keys: [`sk-upstream-multi-${serial}`] })).status).toBe(201);
	expect((await admin.post('/api/prices', { model, modelRatio: 1, completionRatio: 2 })).status).toBe(200);
	const user = await admin.post('/api/users', { username: `multi${serial}`, password: 'multi-password', quota });
	const key = await admin.post('/api/keys', { name: 'k', userId: user.body.id });
	return { model, userId: user.body.id as number, key: key.body.key as string };
}

function post(serverUrl: string, key: string, body: unknown) {
	return fetch(`${serverUrl}/v1/chat/completions`, {
		method: 'POST',
		headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
		body: JSON.stringify(body)
	});
}

async function balance(userId: number): Promise<number> {
	const [row] = await db.sql`select quota::int8 as quota from users where id = ${userId}`;
	return Number(row!.quota);
}

test('SIGTERM during load: after a restart, every call that was answered is logged and billed exactly once', async () => {
	const { server, admin } = await start();
	const { model, key, userId } = await setUp(admin, 100_000_000);
	mock.reset();
	mock.setDefault({ kind: 'ok', chunks: 6, chunkDelayMs: 40, usage: { prompt_tokens: 10, completion_tokens: 5 } });
	type Result = { status: number; requestId: string | null; complete: boolean } | { status: 'failed' };
	const fire = (i: number): Promise<Result> =>
		post(server.url, key, { model, messages: [{ role: 'user', content: `call ${i}` }], stream: i % 2 === 0 })
			.then(async (res) => {
				const text = await res.text().catch(() => '');
				return { status: res.status, requestId: res.headers.get('x-request-id'), complete: res.status === 200 && (i % 2 === 1 || text.includes('[DONE]')) };
			})
			.catch((): Result => ({ status: 'failed' }));
	const calls: Promise<Result>[] = [];
	for (let i = 0; i < 150; i++) calls.push(fire(i));
	await eventually(() => expect(mock.requests.length).toBeGreaterThanOrEqual(50), { interval: 10 });
	const stopped = server.stop('SIGTERM');
	// Calls keep arriving while the server drains: they are refused, never served unbilled.
	for (let i = 150; i < 200; i++) calls.push(fire(i));
	const results = await Promise.all(calls);
	expect(await stopped).toBe(0);

	const answered = results.filter((r): r is Extract<Result, { requestId: string | null }> => r.status === 200);
	expect(answered.length).toBeGreaterThanOrEqual(50);
	// Calls running when the signal came were allowed to finish.
	expect(answered.every((r) => r.complete)).toBe(true);
	for (const r of results) if (r.status !== 200) expect([503, 'failed']).toContain(r.status);

	const { server: again } = await start();
	const logged = await db.sql`select request_id, status, cost::int8 as cost from request_logs where user_id = ${userId}`;
	const byId = new Map(logged.map((row) => [row.request_id as string, row]));
	for (const r of answered) expect(byId.get(r.requestId!), `call ${r.requestId} is logged`).toMatchObject({ status: 200, cost: String(10 + 5 * 2) });
	expect(logged.length).toBe(answered.length);
	expect(await balance(userId)).toBe(100_000_000 - answered.length * 20);
	await expectBooksBalanceOnceDrained(db.sql, [again.url]);
	await again.stop();
});

test('two instances on one database: the books balance across both, and the overdraft stays within the documented bound', async () => {
	const [a, b] = [await start(), await start()];
	mock.reset();
	mock.setDefault({ kind: 'ok', usage: { prompt_tokens: 10, completion_tokens: 5 } });
	const { model, key, userId } = await setUp(a.admin, 50_000_000);
	await modelIsListed(b.server.url, key, model);
	const urls = [a.server.url, b.server.url];

	const statuses = await Promise.all(
		Array.from({ length: 400 }, (_, i) => post(urls[i % 2]!, key, { model, messages: [{ role: 'user', content: `call ${i}` }], stream: i % 4 === 0 }).then(async (r) => (await r.text(), r.status)))
	);
	expect(statuses.filter((s) => s !== 200)).toEqual([]);
	await expectBooksBalanceOnceDrained(db.sql, urls);
	expect(await balance(userId)).toBe(50_000_000 - 400 * 20);

	// The overdraft bound: each instance holds reservations only against the balance it sees, so
	// N instances can together spend at most N × the balance (plus any overrun) before each
	// learns of the others' charges. Here reservation == cost, N = 2: at most 2 × 3 calls.
	const maxTokens = 5;
	const bodyFor = (model: string) => ({ model, messages: [{ role: 'user' as const, content: 'last dollars' }], max_tokens: maxTokens });
	const perCallFor = (model: string) => promptReserveTokens(JSON.stringify(bodyFor(model)), bodyFor(model)) + maxTokens * 2;
	const poor = await setUp(a.admin, (model) => 3 * perCallFor(model));
	const body = bodyFor(poor.model);
	const perCall = perCallFor(poor.model);
	mock.setDefault({ kind: 'ok', delayMs: 300, usage: { prompt_tokens: perCall - maxTokens * 2, completion_tokens: maxTokens } });
	await modelIsListed(b.server.url, poor.key, poor.model);
	const last = await Promise.all(Array.from({ length: 20 }, (_, i) => post(urls[i % 2]!, poor.key, body).then((r) => r.status)));
	const succeeded = last.filter((s) => s === 200).length;
	expect(last.filter((s) => s !== 200 && s !== 429)).toEqual([]);
	expect(succeeded).toBeGreaterThanOrEqual(3);
	expect(succeeded).toBeLessThanOrEqual(2 * 3);
	await expectBooksBalanceOnceDrained(db.sql, urls);
	const final = await balance(poor.userId);
	expect(final).toBe(3 * perCall - succeeded * perCall);
	expect(final).toBeGreaterThanOrEqual(-(2 - 1) * 3 * perCall);
	// Once the flushes are announced, both instances see the spent balance and refuse.
	for (const url of urls) {
		await eventually(async () => expect((await post(url, poor.key, body)).status).toBe(429));
	}
	await expectBooksBalance(db.sql);
});
