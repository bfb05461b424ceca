import OpenAI, { APIError } from 'openai';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import type { ChannelCreate } from '../../src/lib/schemas/channels';
import { ApiClient } from '../harness/api-client';
import { freshDatabase, type TestDatabase } from '../harness/database';
import { eventually } from '../harness/eventually';
import { TEST_SECRET_KEY, fixtures, keyIsLive, modelIsListed, userWithKey, type Fixtures } from '../harness/fixtures';
import { sample, scrapeMetrics } from '../harness/metrics';
import { startMockUpstream, type Behaviour, type MockUpstream } from '../harness/mock-upstream';
import { startServer, type TestServer } from '../harness/server';

// Every test builds its own channels for a model of its own, so breakers, cool-downs and
// disabled keys from one test never reach another.

const ADMIN_TOKEN = 'failover-admin-token-0123456789-abcdefghij';
let db: TestDatabase;
let fx: Fixtures;
let server: TestServer;
let admin: ApiClient;
let key: string;
let client: OpenAI;
let serial = 0;
const mocks: MockUpstream[] = [];

beforeAll(async () => {
	db = await freshDatabase();
	fx = fixtures(db.url);
	server = await startServer({ env: { DATABASE_URL: db.url, ELYGATE_SECRET_KEY: TEST_SECRET_KEY, ELYGATE_ADMIN_TOKEN: ADMIN_TOKEN } });
	admin = new ApiClient(server.url, { bearer: ADMIN_TOKEN });
	const patched = await admin.patch('/api/options', {
		'breaker.failure_threshold': 3,
		'breaker.cooldown_seconds': 1,
		'health.probe_initial_seconds': 1,
		'health.probe_max_seconds': 2,
		// These tests are about failover on throwaway model names, not about what calls cost.
		'billing.allow_unpriced_models': true
	});
	expect(patched.status).toBe(200);
	({ key } = await userWithKey(fx));
	await keyIsLive(server.url, key);
	client = new OpenAI({ baseURL: `${server.url}/v1`, apiKey: key, maxRetries: 0, timeout: 20_000 });
});

afterEach(async () => {
	await Promise.all(mocks.splice(0).map((m) => m.close()));
});

afterAll(async () => {
	await server?.stop();
	await fx?.close();
	await db?.drop();
});

async function mock(): Promise<MockUpstream> {
	const m = await startMockUpstream();
	mocks.push(m);
	return m;
}

/**
 * Creates a channel through the server's own API: it answers after its snapshot has the
 * channel, so no test races a NOTIFY.
 */
async function channel(fields: Partial<ChannelCreate> & { baseUrl: string; models: string[] }): Promise<{ id: number; keys: Array<{ id: number }> }> {
	const res = await admin.post('/api/channels', { type: 'openai', name: `failover ${serial}`, keys: ['sk-upstream-test-key-0001'], ...fields });
	expect(res.status, JSON.stringify(res.body)).toBe(201);
	return res.body as { id: number; keys: Array<{ id: number }> };
}

/** A model served by channel A (tried first) and channel B (the fallback), each on its own mock. */
async function pair(a: Partial<ChannelCreate> = {}, b: Partial<ChannelCreate> = {}) {
	const model = `fo-model-${++serial}`;
	const [ma, mb] = [await mock(), await mock()];
	const ca = await channel({ baseUrl: `${ma.url}/v1`, models: [model], priority: 10, ...a });
	const cb = await channel({ baseUrl: `${mb.url}/v1`, models: [model], priority: 0, ...b });
	return { model, a: ma, b: mb, channelA: ca.id, channelB: cb.id };
}

const ask = (model: string) => ({ model, messages: [{ role: 'user' as const, content: 'hi' }] });
/** The start of an SSE event, and 9 MiB more of it, with no end: past the relay's 8 MiB cap on one event. */
const UNFINISHED_EVENT = 'data: {"choices":[{"index":0,"delta":{"content":"';
const NINE_MIB = Array.from({ length: 144 }, () => 'a'.repeat(64 * 1024));

async function streamed(model: string): Promise<string> {
	let text = '';
	for await (const chunk of await client.chat.completions.create({ ...ask(model), stream: true })) text += chunk.choices[0]?.delta.content ?? '';
	return text;
}

async function rawCall(model: string, apiKey = key) {
	return fetch(`${server.url}/v1/chat/completions`, {
		method: 'POST',
		headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
		body: JSON.stringify(ask(model))
	});
}

async function logRows(model: string) {
	return eventually(async () => {
		const rows = await db.sql`select * from request_logs where model = ${model} order by created_at`;
		expect(rows.length).toBeGreaterThan(0);
		return rows;
	});
}

const FIRST_BYTE_1S = { config: { timeouts: { firstByteMs: 1000, streamFirstByteMs: 1000 } } };

const failures: Array<[string, Behaviour, Partial<ChannelCreate>]> = [
	['429', { kind: 'error', status: 429, headers: { 'retry-after': '1' } }, {}],
	['500', { kind: 'error', status: 500 }, {}],
	['529 overloaded', { kind: 'error', status: 529, body: { type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } } }, {}],
	['a connection dropped before headers', { kind: 'drop-before-headers' }, {}],
	['no answer within the 1 s first-byte timeout', { kind: 'hang' }, FIRST_BYTE_1S]
];

describe('failover before the first byte', () => {
	for (const [name, failure, channelA] of failures) {
		for (const stream of [false, true]) {
			test(`first channel: ${name} → the second answers (${stream ? 'stream' : 'non-stream'}); the dead one is tried once`, async () => {
				const { model, a, b, channelB } = await pair(channelA);
				a.setDefault(failure);
				const text = stream ? await streamed(model) : (await client.chat.completions.create(ask(model))).choices[0]?.message.content;
				expect(text).toBe('Hello from the mock.');
				expect(a.requests).toHaveLength(1);
				expect(b.requests).toHaveLength(1);
				const [row] = await logRows(model);
				expect(row).toMatchObject({ status: 200, attempts: 2, channel_id: channelB });
			});
		}
	}

	test('an SSE event that does not end within 8 MiB is a failed attempt: the next channel answers', async () => {
		const { model, a, b } = await pair();
		// The upstream keeps the connection open: without the cap this waited for the event's end.
		a.setDefault({ kind: 'raw-stream', chunks: [UNFINISHED_EVENT, ...NINE_MIB], thenHang: true });
		b.setDefault({ kind: 'ok', content: 'From the second channel.' });
		let text = '';
		for await (const chunk of await client.chat.completions.create({ ...ask(model), stream: true })) text += chunk.choices[0]?.delta.content ?? '';
		expect(text).toBe('From the second channel.');
		expect(a.requests).toHaveLength(1);
		await eventually(() => expect(a.clientAborts).toBe(1));
		const [row] = await logRows(model);
		expect(row).toMatchObject({ status: 200, attempts: 2 });
	});

	test('with retry_count 0 there is no second attempt', async () => {
		const { model, a, b } = await pair();
		expect((await admin.patch('/api/options', { 'relay.retry_count': 0 })).status).toBe(200);
		try {
			a.setDefault({ kind: 'error', status: 500 });
			expect((await rawCall(model)).status).toBe(502);
			expect(b.requests).toHaveLength(0);
		} finally {
			expect((await admin.patch('/api/options', { 'relay.retry_count': 3 })).status).toBe(200);
		}
	});

	test('a client error is passed on at once, never retried', async () => {
		const { model, a, b } = await pair();
		a.setDefault({ kind: 'error', status: 400, body: { error: { message: 'context too long', type: 'invalid_request_error', code: 'context_length_exceeded', param: 'messages' } } });
		const res = await rawCall(model);
		expect(res.status).toBe(400);
		expect(await res.json()).toEqual({ error: { message: 'context too long', type: 'invalid_request_error', code: 'context_length_exceeded', param: 'messages' } });
		expect(b.requests).toHaveLength(0);
	});
});

describe('when every channel fails', () => {
	test('a 429 last: 429 in OpenAI shape, with the upstream retry-after', async () => {
		const { model, a, b } = await pair();
		a.setDefault({ kind: 'error', status: 500 });
		b.setDefault({ kind: 'error', status: 429, headers: { 'retry-after': '7' } });
		const res = await rawCall(model);
		expect(res.status).toBe(429);
		expect(res.headers.get('retry-after')).toBe('7');
		const body = (await res.json()) as { error: Record<string, unknown> };
		expect(body.error).toMatchObject({ type: 'rate_limit_error', code: 'rate_limit_exceeded', param: null });
		expect(String(body.error.message)).not.toContain('127.0.0.1');
		const [row] = await logRows(model);
		expect(row).toMatchObject({ status: 429, attempts: 2 });
		expect(row!.error).toMatch(/channel \d+: 500 .*; channel \d+: 429/);
	});

	test('a 500 last: 502; a timeout last: 504; the SDK sees an APIError with the status', async () => {
		const first = await pair();
		first.a.setDefault({ kind: 'error', status: 429 });
		first.b.setDefault({ kind: 'error', status: 500 });
		const res = await rawCall(first.model);
		expect(res.status).toBe(502);
		expect(((await res.json()) as { error: { code: string } }).error.code).toBe('upstream_error');

		const second = await pair({}, FIRST_BYTE_1S);
		second.a.setDefault({ kind: 'error', status: 503 });
		second.b.setDefault({ kind: 'hang' });
		const err = await client.chat.completions.create(ask(second.model)).catch((e: unknown) => e);
		expect(err).toBeInstanceOf(APIError);
		expect((err as APIError).status).toBe(504);
		expect((err as APIError).code).toBe('upstream_timeout');
	});
});

describe('after the first byte', () => {
	test('an upstream dropping mid-stream ends the stream with an in-band error; no retry; the log row says so', async () => {
		const { model, a, b } = await pair();
		a.setDefault({ kind: 'drop-mid-stream', afterChunks: 2 });
		let text = '';
		const err = await (async () => {
			for await (const chunk of await client.chat.completions.create({ ...ask(model), stream: true })) text += chunk.choices[0]?.delta.content ?? '';
		})().catch((e: unknown) => e);
		expect(err).toBeInstanceOf(APIError);
		expect(String((err as APIError).message)).toMatch(/upstream/i);
		expect(text.length).toBeGreaterThan(0);
		expect(b.requests).toHaveLength(0);
		const [row] = await logRows(model);
		expect(row).toMatchObject({ status: 502, attempts: 1 });
		expect(row!.error).toBeTruthy();
	});

	test('an SSE event that does not end within 8 MiB ends the stream with an in-band error; nothing of it reaches the client', async () => {
		const { model, a, b } = await pair();
		const first = `data: ${JSON.stringify({ id: 'c1', object: 'chat.completion.chunk', created: 1, model, choices: [{ index: 0, delta: { role: 'assistant', content: 'Hi' } }] })}\n\n`;
		a.setDefault({ kind: 'raw-stream', chunks: [first, UNFINISHED_EVENT, ...NINE_MIB], thenHang: true });
		const res = await fetch(`${server.url}/v1/chat/completions`, {
			method: 'POST',
			headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
			body: JSON.stringify({ ...ask(model), stream: true })
		});
		const text = await res.text();
		expect(text.length).toBeLessThan(64 * 1024);
		expect(text).toContain('"content":"Hi"');
		const events = text.trim().split('\n\n');
		expect(JSON.parse(events.at(-1)!.slice('data: '.length))).toMatchObject({ error: { code: 'upstream_error', message: 'The upstream sent an SSE event larger than 8 MiB' } });
		expect(text).not.toContain('[DONE]');
		expect(b.requests).toHaveLength(0);
		await eventually(() => expect(a.clientAborts).toBe(1));
	});

	test('a stream silent longer than its idle timeout is ended in-band and the upstream is let go', async () => {
		const { model, a, b } = await pair({ config: { timeouts: { streamIdleMs: 1000 } } });
		a.setDefault({ kind: 'ok', gate: a.gate(), gateAfterChunk: 1 }); // never released
		const res = await fetch(`${server.url}/v1/chat/completions`, {
			method: 'POST',
			headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
			body: JSON.stringify({ ...ask(model), stream: true })
		});
		const text = await res.text();
		expect(text).toContain('"code":"upstream_timeout"');
		expect(text).not.toContain('[DONE]');
		expect(b.requests).toHaveLength(0);
		await eventually(() => expect(a.clientAborts).toBe(1));
	});
});

describe('upstream keys', () => {
	test('a 401 on one of two keys disables that key with its reason; the other keeps serving; a probe brings it back', async () => {
		const model = `fo-model-${++serial}`;
		const m = await mock();
		const good = 'sk-upstream-good-key-000001';
		const bad = 'sk-upstream-bad-key-0000002';
		const created = await channel({ baseUrl: `${m.url}/v1`, models: [model], keys: [good, bad] });
		m.forKey(bad, { kind: 'error', status: 401, body: { error: { message: 'Incorrect API key provided', type: 'invalid_request_error', code: 'invalid_api_key' } } });
		for (let i = 0; i < 4; i++) {
			const completion = await client.chat.completions.create(ask(model));
			expect(completion.choices[0]?.message.content).toBe('Hello from the mock.');
		}
		// The prober's own requests (its "ping") may come at any moment once the key is out: count them apart.
		const isProbe = (body: unknown) => JSON.stringify(body).includes('"content":"ping"');
		const withBad = () => m.requests.filter((r) => r.headers.authorization === `Bearer ${bad}`);
		const callsWithBad = () => withBad().filter((r) => !isProbe(r.body)).length;
		expect(callsWithBad()).toBe(1);
		const badKeyId = created.keys[1]!.id;
		const view = await eventually(async () => {
			const res = await admin.get(`/api/channels/${created.id}`);
			expect(res.body.keys[1]).toMatchObject({ id: badKeyId, enabled: false, disableKind: 'automatic' });
			return res.body;
		});
		expect(view.keys[1].disableReason).toMatch(/401.*Incorrect API key/);
		expect(Date.parse(view.keys[1].disabledAt)).toBeGreaterThan(Date.now() - 60_000);
		expect(view.keys[0]).toMatchObject({ enabled: true, disableKind: null });
		expect(view.status).toBe('enabled');

		// The upstream accepts the key again: the prober tries it (after 1 s, then every 2 s) and restores it.
		m.forKey(bad, undefined);
		await eventually(async () => expect((await admin.get(`/api/channels/${created.id}`)).body.keys[1]).toMatchObject({ enabled: true, disableKind: null }), {
			timeout: 20_000
		});
		expect(withBad().filter((r) => isProbe(r.body)).length).toBeGreaterThanOrEqual(1);
		await eventually(async () => {
			await client.chat.completions.create(ask(model));
			expect(callsWithBad()).toBeGreaterThanOrEqual(2); // the refusal, then a real call once it is back
		});
	});

	test('the last key refused takes the channel out automatically, and the probe brings it back; a manual disable is never undone', async () => {
		const manualModel = `fo-model-${++serial}`;
		const autoModel = `fo-model-${++serial}`;
		const [manualMock, autoMock] = [await mock(), await mock()];
		const manual = await channel({ baseUrl: `${manualMock.url}/v1`, models: [manualModel] });
		const auto = await channel({ baseUrl: `${autoMock.url}/v1`, models: [autoModel] });
		expect((await admin.post(`/api/channels/${manual.id}/disable`, { reason: 'maintenance' })).status).toBe(200);
		await modelIsListed(server.url, key, manualModel, false);

		autoMock.setDefault({ kind: 'error', status: 401 });
		const res = await rawCall(autoModel);
		expect(res.status).toBe(502);
		expect(res.headers.get('x-should-retry')).toBe('false');
		expect(((await res.json()) as { error: { code: string } }).error.code).toBe('upstream_auth_failed');
		await eventually(async () => {
			const [row] = await db.sql`select status, disable_kind, disable_reason from channels where id = ${auto.id}`;
			expect(row).toMatchObject({ status: 'disabled', disable_kind: 'automatic' });
			expect(row!.disable_reason).toMatch(/401/);
		});
		await modelIsListed(server.url, key, autoModel, false);

		autoMock.setDefault({ kind: 'ok' });
		await modelIsListed(server.url, key, autoModel);
		const [back] = await db.sql`select status, disable_kind from channels where id = ${auto.id}`;
		expect(back).toMatchObject({ status: 'enabled', disable_kind: null });
		expect((await client.chat.completions.create(ask(autoModel))).choices[0]?.message.content).toBe('Hello from the mock.');

		// The prober has run several rounds meanwhile; the manual disable stays, and its upstream was never called.
		const [still] = await db.sql`select status, disable_kind, disable_reason from channels where id = ${manual.id}`;
		expect(still).toMatchObject({ status: 'disabled', disable_kind: 'manual', disable_reason: 'maintenance' });
		expect(manualMock.requests).toHaveLength(0);
	});
});

describe('circuit breaker', () => {
	test('opens after N failures, lets exactly one probe through while half-open, and closes on success', async () => {
		const { model, a, b, channelA } = await pair();
		const breaker = async () => sample(await scrapeMetrics(server.url), `elygate_breaker_state{channel="${channelA}"}`);
		a.setDefault({ kind: 'error', status: 500 });
		for (let i = 0; i < 3; i++) expect((await client.chat.completions.create(ask(model))).choices[0]?.message.content).toBe('Hello from the mock.');
		expect(a.requests).toHaveLength(3);
		expect(await breaker()).toBe(2); // open

		await client.chat.completions.create(ask(model));
		expect(a.requests).toHaveLength(3); // skipped while open
		const { health } = (await admin.get(`/api/channels/${channelA}`)).body;
		expect(health.breaker).toBe('open');
		await Bun.sleep(Math.max(0, Date.parse(health.openUntil) - Date.now()) + 50);

		a.setDefault({ kind: 'ok' });
		const gate = a.gate();
		a.enqueue({ kind: 'ok', gate });
		const probe = client.chat.completions.create(ask(model));
		await eventually(() => expect(a.requests).toHaveLength(4));
		expect(await breaker()).toBe(1); // half-open
		const bBefore = b.requests.length;
		const others = await Promise.all([1, 2, 3].map(() => client.chat.completions.create(ask(model))));
		expect(others.map((c) => c.choices[0]?.message.content)).toEqual(Array(3).fill('Hello from the mock.'));
		expect(a.requests).toHaveLength(4);
		expect(b.requests.length - bBefore).toBe(3);

		gate.release();
		expect((await probe).choices[0]?.message.content).toBe('Hello from the mock.');
		expect(await breaker()).toBe(0);
		await client.chat.completions.create(ask(model));
		expect(a.requests).toHaveLength(5);
	});
});

describe('channel tests', () => {
	test('POST /api/channels/{id}/test records latency and result, and re-enables an automatically disabled channel', async () => {
		const model = `fo-model-${++serial}`;
		const m = await mock();
		const tested = await channel({ baseUrl: `${m.url}/v1`, models: [model] });
		m.setDefault({ kind: 'error', status: 500 });
		const failed = await admin.post(`/api/channels/${tested.id}/test`, {});
		expect(failed.status).toBe(200);
		expect(failed.body).toMatchObject({ ok: false, model, status: 500 });
		expect(failed.body.error).not.toContain('127.0.0.1');

		// Disabled automatically (as a refused last key would), then tested back into service.
		await db.sql`update channels set status = 'disabled', disable_kind = 'automatic', disable_reason = 'upstream 401', disabled_at = now() where id = ${tested.id}`;
		m.setDefault({ kind: 'ok' });
		const ok = await admin.post(`/api/channels/${tested.id}/test`, { model });
		expect(ok.body).toMatchObject({ ok: true, model, status: 200, error: null });
		expect(ok.body.latencyMs).toBeGreaterThanOrEqual(0);
		const [row] = await db.sql`select status, disable_kind, last_test_ok, last_test_latency_ms from channels where id = ${tested.id}`;
		expect(row).toMatchObject({ status: 'enabled', disable_kind: null, last_test_ok: true });
		expect(m.requests.at(-1)?.body).toMatchObject({ model, max_tokens: 1 });

		expect((await admin.post(`/api/channels/${tested.id}/test`, { model: 'not-on-this-channel' })).body.error).toMatchObject({ field: 'model' });
		expect((await new ApiClient(server.url).post(`/api/channels/${tested.id}/test`, {})).status).toBe(401);
	});

	test('POST /api/channels/test tests every channel not disabled by hand', async () => {
		const m = await mock();
		const model = `fo-model-${++serial}`;
		const live = await channel({ baseUrl: `${m.url}/v1`, models: [model] });
		const off = await channel({ baseUrl: `${m.url}/v1`, models: [model], enabled: false });
		const res = await admin.post('/api/channels/test', {});
		expect(res.status).toBe(200);
		const ids = (res.body.results as Array<{ channelId: number; ok: boolean }>).map((r) => r.channelId);
		expect(ids).toContain(live.id);
		expect(ids).not.toContain(off.id);
		expect(res.body.results.find((r: { channelId: number }) => r.channelId === live.id)).toMatchObject({ ok: true });
	});
});

describe('per-key rate limits', () => {
	test('RPM: OpenAI headers count down, then 429 with retry-after', async () => {
		const { model } = await pair();
		const { key: limited } = await userWithKey(fx, { key: { rpmLimit: 3 } });
		await modelIsListed(server.url, limited, model);
		// modelIsListed used /v1/models, which the request limit does not count.
		const answers = [await rawCall(model, limited), await rawCall(model, limited), await rawCall(model, limited)];
		expect(answers.map((r) => r.status)).toEqual([200, 200, 200]);
		expect(answers.map((r) => r.headers.get('x-ratelimit-remaining-requests'))).toEqual(['2', '1', '0']);
		expect(answers[0]!.headers.get('x-ratelimit-limit-requests')).toBe('3');
		expect(answers[0]!.headers.get('x-ratelimit-reset-requests')).toMatch(/^(\d+m)?\d+s$/);
		const refused = await rawCall(model, limited);
		expect(refused.status).toBe(429);
		expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
		expect(refused.headers.get('x-ratelimit-remaining-requests')).toBe('0');
		expect(((await refused.json()) as { error: unknown }).error).toMatchObject({ type: 'rate_limit_error', code: 'rate_limit_exceeded' });
	});

	test('TPM: tokens used so far are counted; past the budget, 429 with retry-after', async () => {
		const { model } = await pair();
		// The mock reports 11 prompt + 4 completion tokens per call.
		const { key: limited } = await userWithKey(fx, { key: { tpmLimit: 30 } });
		await modelIsListed(server.url, limited, model);
		const first = await rawCall(model, limited);
		expect(first.headers.get('x-ratelimit-limit-tokens')).toBe('30');
		expect(first.headers.get('x-ratelimit-remaining-tokens')).toBe('30');
		const second = await rawCall(model, limited);
		expect(second.status).toBe(200);
		expect(second.headers.get('x-ratelimit-remaining-tokens')).toBe('15');
		const refused = await rawCall(model, limited);
		expect(refused.status).toBe(429);
		expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
		expect(refused.headers.get('x-ratelimit-remaining-tokens')).toBe('0');
	});
});

describe('/metrics', () => {
	test('401 without the token; an unknown model name never becomes a label value', async () => {
		expect((await fetch(`${server.url}/metrics`)).status).toBe(401);
		expect((await fetch(`${server.url}/metrics`, { headers: { authorization: 'Bearer wrong' } })).status).toBe(401);
		const junk = `no-such-model-${crypto.randomUUID()}`;
		expect((await rawCall(junk)).status).toBe(404);
		const { model } = await pair();
		await client.chat.completions.create(ask(model));
		expect(await streamed(model)).toBe('Hello from the mock.');
		const text = await scrapeMetrics(server.url);
		expect(text).not.toContain(junk);
		// Served but not in the price table: counted as "other".
		expect(text).not.toContain(model);
		expect(sample(text, 'elygate_relay_requests_total{model="other",channel_type="openai",status_class="2xx"}')).toBeGreaterThan(0);
		expect(sample(text, 'elygate_relay_requests_total{model="other",channel_type="none",status_class="4xx"}')).toBeGreaterThan(0);
		// Every call of this file has ended, streams included: none is still counted as running.
		await eventually(async () => expect(sample(await scrapeMetrics(server.url), 'elygate_relay_inflight')).toBe(0));
		for (const name of ['elygate_relay_latency_seconds_bucket', 'elygate_relay_first_token_seconds_bucket', 'elygate_upstream_failures_total', 'elygate_relay_retries_total', 'elygate_relay_inflight', 'elygate_ledger_queue_depth']) {
			expect(text).toContain(name);
		}
	});

	test('a priced model is its own label value', async () => {
		const { model } = await pair();
		expect((await admin.post('/api/prices', { model, modelRatio: 1, completionRatio: 1 })).status).toBeLessThan(300);
		await eventually(async () => {
			await client.chat.completions.create(ask(model));
			expect(sample(await scrapeMetrics(server.url), `elygate_relay_requests_total{model="${model}",channel_type="openai",status_class="2xx"}`)).toBeGreaterThan(0);
		});
	});
});
