import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { promptReserveTokens } from '../../src/lib/server/billing/prompt-reserve';
import { ApiClient } from '../harness/api-client';
import { expectBooksBalance, expectBooksBalanceOnceDrained, ledgerFlushCounts } from '../harness/books';
import { freshDatabase, type TestDatabase } from '../harness/database';
import { eventually } from '../harness/eventually';
import { TEST_SECRET_KEY } from '../harness/fixtures';
import { startMockUpstream, type Behaviour, type MockUpstream } from '../harness/mock-upstream';
import { startServer, type TestServer } from '../harness/server';

const ADMIN_TOKEN = 'billing-admin-token-0123456789abcdef';
const FLUSH_MS = 100;

let db: TestDatabase;
let server: TestServer;
let admin: ApiClient;
let mock: MockUpstream;
let serial = 0;

beforeAll(async () => {
	db = await freshDatabase();
	mock = await startMockUpstream();
	server = await startServer({
		env: { DATABASE_URL: db.url, ELYGATE_SECRET_KEY: TEST_SECRET_KEY, ELYGATE_ADMIN_TOKEN: ADMIN_TOKEN, LEDGER_FLUSH_MS: String(FLUSH_MS) }
	});
	admin = new ApiClient(server.url, { bearer: ADMIN_TOKEN });
});

afterAll(async () => {
	await server?.stop();
	await mock?.close();
	await db?.drop();
});

/**
 * A model of its own, served by the mock through a channel whose upstream key makes the mock
 * answer with `behaviour`, and priced at `price`. Made through the API of the server under
 * test, which applies its own changes before answering.
 */
async function pricedModel(
	behaviour: Behaviour | undefined,
	price: { modelRatio: number; completionRatio: number } | null = { modelRatio: 1, completionRatio: 2 },
	groups = ['default']
) {
	const model = `bill-model-${++serial}`;
	const upstreamKey = `sk-upstream-billing-${serial}-0000000000`;
	mock.forKey(upstreamKey, behaviour);
	const channel = await admin.post('/api/channels', { type: 'openai', name: `billing ${serial}`, baseUrl: `${mock.url}/v1`, models: [model], keys: [upstreamKey], groups });
	expect(channel.status).toBe(201);
	if (price) expect((await admin.post('/api/prices', { model, ...price })).status).toBe(200);
	return { model, channelId: channel.body.id as number, upstreamKey };
}

async function customer(quota: number, opts: { group?: string; key?: Record<string, unknown> } = {}) {
	const user = await admin.post('/api/users', { username: `customer${++serial}`, password: 'customer-password', quota, group: opts.group ?? 'default' });
	expect(user.status).toBe(201);
	const key = await admin.post('/api/keys', { name: 'k', userId: user.body.id, ...opts.key });
	expect(key.status).toBe(201);
	return { userId: user.body.id as number, keyId: key.body.apiKey.id as number, key: key.body.key as string };
}

const client = (key: string) => new OpenAI({ baseURL: `${server.url}/v1`, apiKey: key, maxRetries: 0, timeout: 20_000 });

function chat(model: string, extra: Record<string, unknown> = {}) {
	return { model, messages: [{ role: 'user' as const, content: 'How much is this?' }], ...extra };
}

function post(key: string, body: unknown, headers: Record<string, string> = {}) {
	return fetch(`${server.url}/v1/chat/completions`, {
		method: 'POST',
		headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', ...headers },
		body: JSON.stringify(body)
	});
}

async function balance(userId: number): Promise<number> {
	const [row] = await db.sql`select quota::int8 as quota from users where id = ${userId}`;
	return Number(row!.quota);
}

async function logsOf(userId: number) {
	return db.sql`select request_id, client_request_id, status, cost::int8 as cost, prompt_tokens::int, completion_tokens::int, model_ratio, completion_ratio, group_ratio, error
		from request_logs where user_id = ${userId} order by request_id`;
}

describe('what a call costs', () => {
	test('tokens × ratios × group ratio, logged with the ratios used, taken from the balance', async () => {
		expect((await admin.post('/api/groups', { name: 'half', ratio: 0.5 })).status).toBeLessThan(300);
		const { model, channelId } = await pricedModel({ kind: 'ok', usage: { prompt_tokens: 1000, completion_tokens: 250 } }, { modelRatio: 0.5, completionRatio: 4 }, ['default', 'half']);
		const plain = await customer(1_000_000);
		const half = await customer(1_000_000, { group: 'half' });
		await client(plain.key).chat.completions.create(chat(model));
		await client(half.key).chat.completions.create(chat(model));
		// (1000 + 250 × 4) × 0.5 = 1000 quota = USD 0.002; the half group pays 500.
		await eventually(async () => expect(await balance(plain.userId)).toBe(999_000));
		await eventually(async () => expect(await balance(half.userId)).toBe(999_500));
		const [row] = await logsOf(half.userId);
		expect(row).toMatchObject({ status: 200, cost: '500', prompt_tokens: 1000, completion_tokens: 250, model_ratio: 0.5, completion_ratio: 4, group_ratio: 0.5 });
		const [day] = await db.sql`select requests::int, cost::int8 as cost, prompt_tokens::int from usage_daily where user_id = ${half.userId} and channel_id = ${channelId}`;
		expect(day).toEqual({ requests: 1, cost: '500', prompt_tokens: 1000 });
		await expectBooksBalance(db.sql);
	});

	test('an unpriced model is refused, and served free once the option allows it', async () => {
		const { model } = await pricedModel(undefined, null);
		const { key, userId } = await customer(1_000_000);
		await expect(client(key).chat.completions.create(chat(model))).rejects.toMatchObject({ status: 403, code: 'model_not_priced' });
		expect((await client(key).models.list()).data.map((m) => m.id)).not.toContain(model);
		expect((await admin.patch('/api/options', { 'billing.allow_unpriced_models': true })).status).toBe(200);
		try {
			await client(key).chat.completions.create(chat(model));
			// The refusal is logged too, at no cost (docs/billing.md, "Refusals").
			await eventually(async () => expect(await logsOf(userId)).toMatchObject([{ status: 403, cost: '0', model_ratio: null }, { status: 200, cost: '0' }]));
			expect(await balance(userId)).toBe(1_000_000);
		} finally {
			await admin.patch('/api/options', { 'billing.allow_unpriced_models': false });
		}
	});

	test('a balance or key limit that cannot cover the reservation: 429 insufficient_quota, x-should-retry false, nothing sent upstream', async () => {
		const { model } = await pricedModel(undefined);
		const poor = await customer(100);
		const before = mock.requests.length;
		const res = await post(poor.key, chat(model, { max_tokens: 1000 }));
		expect(res.status).toBe(429);
		expect(res.headers.get('x-should-retry')).toBe('false');
		const body = (await res.json()) as { error: { type: string; code: string; message: string } };
		expect(body.error).toMatchObject({ type: 'insufficient_quota', code: 'insufficient_quota' });
		expect(body.error.message).toMatch(/^Your balance cannot cover/);
		// The SDK sees the same, and does not retry it.
		await expect(client(poor.key).chat.completions.create(chat(model, { max_tokens: 1000 }))).rejects.toMatchObject({ status: 429, code: 'insufficient_quota', type: 'insufficient_quota' });

		const limited = await customer(10_000_000, { key: { quotaLimit: 500 } });
		const refused = await post(limited.key, chat(model, { max_tokens: 1000 }));
		expect(refused.status).toBe(429);
		expect(((await refused.json()) as { error: { message: string } }).error.message).toMatch(/^This API key's spending limit cannot cover/);
		expect(mock.requests.length).toBe(before);
		// A smaller request fits both.
		expect((await post(limited.key, chat(model, { max_tokens: 10 }))).status).toBe(200);
	});
});

describe('money under concurrency', () => {
	test('last dollar: a balance that covers exactly 3 calls, 20 at once: 3 succeed, 17 refused, balance 0', async () => {
		const maxTokens = 7;
		const { model, upstreamKey } = await pricedModel(undefined);
		const body = chat(model, { max_tokens: maxTokens });
		const estimate = promptReserveTokens(JSON.stringify(body), body);
		// The upstream reports exactly what was reserved, so reservation == cost.
		mock.forKey(upstreamKey, { kind: 'ok', delayMs: 200, usage: { prompt_tokens: estimate, completion_tokens: maxTokens } });
		const perCall = estimate + maxTokens * 2;
		const { key, userId } = await customer(3 * perCall);
		const results = await Promise.all(Array.from({ length: 20 }, () => post(key, body).then(async (r) => ({ status: r.status, body: await r.json() }))));
		const ok = results.filter((r) => r.status === 200);
		const refused = results.filter((r) => r.status === 429);
		expect(ok).toHaveLength(3);
		expect(refused).toHaveLength(17);
		for (const r of refused) expect(r.body).toMatchObject({ error: { code: 'insufficient_quota' } });
		await eventually(async () => expect(await balance(userId)).toBe(0));
		const logged = await logsOf(userId);
		expect(logged.filter((r) => r.status === 200).map((r) => r.cost)).toEqual([String(perCall), String(perCall), String(perCall)]);
		// The refusals are logged at no cost, at most relay.refusal_logs_per_minute (10) for the key.
		expect(logged.filter((r) => r.status !== 200)).toEqual(Array.from({ length: 10 }, () => expect.objectContaining({ status: 429, cost: '0' })));
		// Spent means spent: the next call is refused too.
		expect((await post(key, body)).status).toBe(429);
		await expectBooksBalance(db.sql);
	});

	test('2,000 concurrent calls over 50 keys and 10 users: the books balance, in few ledger transactions', async () => {
		const { model } = await pricedModel({ kind: 'ok', usage: { prompt_tokens: 20, completion_tokens: 5 } });
		const users = await Promise.all(Array.from({ length: 10 }, () => customer(50_000_000)));
		const keys = [...users.map((u) => ({ key: u.key, userId: u.userId }))];
		for (const u of users) {
			for (let i = 0; i < 4; i++) {
				const k = await admin.post('/api/keys', { name: `extra ${i}`, userId: u.userId });
				keys.push({ key: k.body.key, userId: u.userId });
			}
		}
		expect(keys).toHaveLength(50);
		await expectBooksBalanceOnceDrained(db.sql, [server.url]);
		const flushesBefore = await ledgerFlushCounts(server.url);
		const started = Date.now();
		const statuses = await Promise.all(
			Array.from({ length: 2000 }, (_, i) => post(keys[i % 50]!.key, chat(model, { max_tokens: 5, stream: i % 3 === 0 })).then(async (r) => (await r.text(), r.status)))
		);
		expect(statuses.filter((s) => s !== 200)).toEqual([]);
		await expectBooksBalanceOnceDrained(db.sql, [server.url]);
		const duration = Date.now() - started;
		const flushesAfter = await ledgerFlushCounts(server.url);
		const transactions = flushesAfter.ok + flushesAfter.error - flushesBefore.ok - flushesBefore.error;
		expect(transactions).toBeLessThanOrEqual(Math.ceil(2000 / 1000) + Math.ceil(duration / FLUSH_MS) + 2);
		const [{ n, cost }] = (await db.sql`select count(*)::int as n, sum(cost)::int8 as cost from request_logs where model = ${model}`) as unknown as [{ n: number; cost: string }];
		expect(n).toBe(2000);
		expect(Number(cost)).toBe(2000 * (20 + 5 * 2));
	});

	test('a replayed x-request-id is a new call, billed again', async () => {
		const { model } = await pricedModel({ kind: 'ok', usage: { prompt_tokens: 10, completion_tokens: 5 } });
		const { key, userId } = await customer(1_000_000);
		const first = await post(key, chat(model), { 'x-request-id': 'client-abc-123' });
		const second = await post(key, chat(model), { 'x-request-id': 'client-abc-123' });
		expect([first.status, second.status]).toEqual([200, 200]);
		expect(first.headers.get('x-request-id')).not.toBe(second.headers.get('x-request-id'));
		await eventually(async () => expect(await logsOf(userId)).toHaveLength(2));
		const logs = await logsOf(userId);
		expect(logs.map((l) => l.client_request_id)).toEqual(['client-abc-123', 'client-abc-123']);
		expect(await balance(userId)).toBe(1_000_000 - 2 * 20);
	});
});

describe('what is billed', () => {
	test('an abort before any output costs 0 and is logged', async () => {
		const gate = mock.gate();
		const { model } = await pricedModel({ kind: 'ok', gate });
		const { key, userId } = await customer(1_000_000);
		const controller = new AbortController();
		const aborting = fetch(`${server.url}/v1/chat/completions`, {
			method: 'POST',
			headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
			body: JSON.stringify(chat(model)),
			signal: controller.signal
		}).catch(() => 'aborted');
		await eventually(() => expect(mock.requests.some((r) => (r.body as { model?: string }).model === model)).toBe(true));
		controller.abort();
		expect(await aborting).toBe('aborted');
		await eventually(async () => expect(await logsOf(userId)).toHaveLength(1));
		gate.release();
		expect((await logsOf(userId))[0]).toMatchObject({ status: 499, cost: '0', completion_tokens: 0 });
		expect(await balance(userId)).toBe(1_000_000);
		await expectBooksBalanceOnceDrained(db.sql, [server.url]);
	});

	test('a call every channel failed costs 0 and is logged with why', async () => {
		const { model } = await pricedModel({ kind: 'error', status: 500, body: { error: { message: 'upstream exploded' } } });
		const { key, userId } = await customer(1_000_000);
		await expect(client(key).chat.completions.create(chat(model))).rejects.toMatchObject({ status: 502 });
		await eventually(async () => expect(await logsOf(userId)).toHaveLength(1));
		expect((await logsOf(userId))[0]).toMatchObject({ status: 502, cost: '0', error: expect.stringContaining('500') });
		expect(await balance(userId)).toBe(1_000_000);
	});

	test('a stream cut after output is billed for what was delivered', async () => {
		const { model } = await pricedModel({ kind: 'drop-mid-stream', afterChunks: 3 });
		const { key, userId } = await customer(1_000_000);
		const res = await post(key, chat(model, { stream: true }));
		expect(res.status).toBe(200);
		const text = await res.text();
		expect(text).toContain('upstream_disconnected');
		await eventually(async () => expect(await logsOf(userId)).toHaveLength(1));
		const [row] = await logsOf(userId);
		expect(row!.status).toBe(502);
		expect(row!.completion_tokens).toBeGreaterThan(0);
		// Counted locally (the upstream never sent usage), priced like any other call.
		expect(Number(row!.cost)).toBe(row!.prompt_tokens + row!.completion_tokens * 2);
		expect(await balance(userId)).toBe(1_000_000 - Number(row!.cost));
		await expectBooksBalance(db.sql);
	});
});
