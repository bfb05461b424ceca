import OpenAI from 'openai';
import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { SYSTEM } from '../../src/lib/server/services/actor';
import { createApiKey } from '../../src/lib/server/services/api-keys';
import { freshDatabase, type TestDatabase } from '../harness/database';
import { eventually } from '../harness/eventually';
import { TEST_SECRET_KEY, fixtures, keyIsLive, keyIsRefused, modelIsListed, openaiChannel, priceModels, userWithKey, type Fixtures } from '../harness/fixtures';
import { startMockUpstream, type MockUpstream } from '../harness/mock-upstream';
import { sample, scrapeMetrics } from '../harness/metrics';
import { startServer, type TestServer } from '../harness/server';

let db: TestDatabase;
let fx: Fixtures;
let mock: MockUpstream;
let server: TestServer;
let key: string;
let client: OpenAI;

beforeAll(async () => {
	db = await freshDatabase();
	fx = fixtures(db.url);
	mock = await startMockUpstream();
	server = await startServer({ env: { DATABASE_URL: db.url, ELYGATE_SECRET_KEY: TEST_SECRET_KEY, RELAY_MAX_BODY: '256K' } });
	await openaiChannel(fx, `${mock.url}/v1`, {
		models: ['gpt-4o-mini', 'text-embedding-3-small', 'gpt-3.5-turbo-instruct', 'house-model'],
		modelMapping: { 'house-model': 'vendor/real-model-7b' }
	});
	await priceModels(fx, ['gpt-4o-mini', 'text-embedding-3-small', 'gpt-3.5-turbo-instruct', 'house-model']);
	({ key } = await userWithKey(fx));
	await keyIsLive(server.url, key);
	await modelIsListed(server.url, key, 'house-model');
	client = new OpenAI({ baseURL: `${server.url}/v1`, apiKey: key, maxRetries: 0, timeout: 15_000 });
});

afterAll(async () => {
	await server?.stop();
	await mock?.close();
	await fx?.close();
	await db?.drop();
});

beforeEach(() => mock.reset());

/** The log row the ledger wrote for a request (it flushes within ~100 ms). */
async function logRow(requestId: string) {
	return eventually(async () => {
		const [row] = await db.sql`select * from request_logs where request_id = ${requestId}`;
		expect(row).toBeDefined();
		return row!;
	});
}

describe('chat completions', () => {
	test('non-stream: the upstream gets exactly the client body and the client gets the answer', async () => {
		const request = {
			model: 'gpt-4o-mini',
			messages: [{ role: 'system' as const, content: 'Be brief.' }, { role: 'user' as const, content: 'Hi there' }],
			temperature: 0.3,
			max_tokens: 50,
			user: 'end-user-7',
			metadata: { app: 'tests' },
			logit_bias: { '50256': -100 }
		};
		const { data: completion, response } = await client.chat.completions.create(request).withResponse();
		expect(completion.choices[0]?.message.content).toBe('Hello from the mock.');
		expect(completion.model).toBe('gpt-4o-mini');
		expect(completion.usage).toMatchObject({ prompt_tokens: 11, completion_tokens: 4, total_tokens: 15 });
		expect(mock.requests).toHaveLength(1);
		expect(mock.requests[0]?.path).toBe('/v1/chat/completions');
		expect(mock.requests[0]?.body).toEqual(request);
		expect(mock.requests[0]?.headers.authorization).toBe('Bearer sk-upstream-test-key-0001');

		const requestId = response.headers.get('x-request-id') ?? '';
		expect(requestId).toMatch(/^req_/);
		const row = await logRow(requestId);
		expect(row).toMatchObject({ door: 'chat', stream: false, status: 200, model: 'gpt-4o-mini', prompt_tokens: '11', completion_tokens: '4', estimated: false });
	});

	test('stream: chunks arrive in order, usage is requested upstream but not forwarded unasked', async () => {
		const request = { model: 'gpt-4o-mini', messages: [{ role: 'user' as const, content: 'Stream please' }], stream: true as const };
		const { data: stream, response } = await client.chat.completions.create(request).withResponse();
		const chunks = [];
		for await (const chunk of stream) chunks.push(chunk);
		expect(chunks.map((c) => c.choices[0]?.delta.content ?? '').join('')).toBe('Hello from the mock.');
		expect(chunks.every((c) => c.model === 'gpt-4o-mini')).toBe(true);
		expect(chunks.some((c) => c.usage)).toBe(false);
		expect(chunks.at(-1)?.choices[0]?.finish_reason).toBe('stop');
		// The client set no limit, so the upstream gets the one the call reserved (docs/billing.md).
		expect(mock.requests[0]?.body).toEqual({ ...request, stream_options: { include_usage: true }, max_tokens: 4096 });

		const row = await logRow(response.headers.get('x-request-id') ?? '');
		expect(row).toMatchObject({ stream: true, status: 200, prompt_tokens: '11', completion_tokens: '4', estimated: false });
		expect(row.first_token_ms).not.toBeNull();
	});

	test('stream with include_usage and a limit: the usage chunk reaches the client and the body is untouched', async () => {
		const request = {
			model: 'gpt-4o-mini',
			messages: [{ role: 'user' as const, content: 'Count me' }],
			stream: true as const,
			stream_options: { include_usage: true },
			max_completion_tokens: 300
		};
		const chunks = [];
		for await (const chunk of await client.chat.completions.create(request)) chunks.push(chunk);
		const last = chunks.at(-1);
		expect(last?.choices).toEqual([]);
		expect(last?.usage).toMatchObject({ prompt_tokens: 11, completion_tokens: 4, total_tokens: 15 });
		expect(mock.requests[0]?.body).toEqual(request);
	});

	test('tools round-trip through the gateway', async () => {
		mock.enqueue({ kind: 'ok', toolCalls: [{ id: 'call_1', name: 'get_weather', arguments: '{"city":"Paris"}' }] });
		const tools = [
			{
				type: 'function' as const,
				function: { name: 'get_weather', description: 'Weather', parameters: { type: 'object', properties: { city: { type: 'string' } } } }
			}
		];
		const first = await client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Weather in Paris?' }], tools });
		const call = first.choices[0]?.message.tool_calls?.[0];
		expect(first.choices[0]?.finish_reason).toBe('tool_calls');
		expect(call?.type === 'function' && call.function).toEqual({ name: 'get_weather', arguments: '{"city":"Paris"}' });

		const messages = [
			{ role: 'user' as const, content: 'Weather in Paris?' },
			{ role: 'assistant' as const, content: null, tool_calls: first.choices[0]!.message.tool_calls },
			{ role: 'tool' as const, tool_call_id: 'call_1', content: '{"temp":21}' }
		];
		const second = await client.chat.completions.create({ model: 'gpt-4o-mini', messages, tools });
		expect(second.choices[0]?.message.content).toBe('Hello from the mock.');
		expect(mock.requests[1]?.body).toMatchObject({ messages, tools });
	});

	test('streamed tool calls keep their index and arguments', async () => {
		mock.enqueue({ kind: 'ok', toolCalls: [{ id: 'call_9', name: 'lookup', arguments: '{"q":"elygate"}' }] });
		let args = '';
		let name = '';
		for await (const chunk of await client.chat.completions.create({
			model: 'gpt-4o-mini',
			messages: [{ role: 'user', content: 'look it up' }],
			tools: [{ type: 'function', function: { name: 'lookup', parameters: { type: 'object' } } }],
			stream: true
		})) {
			const tc = chunk.choices[0]?.delta.tool_calls?.[0];
			if (tc?.function?.name) name = tc.function.name;
			args += tc?.function?.arguments ?? '';
			if (tc) expect(tc.index).toBe(0);
		}
		expect(name).toBe('lookup');
		expect(JSON.parse(args)).toEqual({ q: 'elygate' });
	});

	test('a mapped model reaches the upstream renamed and comes back under its public name', async () => {
		const plain = await client.chat.completions.create({ model: 'house-model', messages: [{ role: 'user', content: 'hi' }] });
		expect(plain.model).toBe('house-model');
		expect(mock.requests[0]?.body).toMatchObject({ model: 'vendor/real-model-7b' });

		const streamed = [];
		for await (const c of await client.chat.completions.create({ model: 'house-model', messages: [{ role: 'user', content: 'hi' }], stream: true })) {
			streamed.push(c);
		}
		expect(streamed.length).toBeGreaterThan(2);
		expect(streamed.every((c) => c.model === 'house-model')).toBe(true);
		expect(mock.requests[1]?.body).toMatchObject({ model: 'vendor/real-model-7b', stream_options: { include_usage: true } });
		const row = await eventually(async () => {
			const [r] = await db.sql`select model, upstream_model from request_logs where model = 'house-model' and stream limit 1`;
			expect(r).toBeDefined();
			return r!;
		});
		expect(row).toEqual({ model: 'house-model', upstream_model: 'vendor/real-model-7b' });
	});

	test('true streaming: chunk 2 leaves the upstream only after the client holds chunk 1', async () => {
		const gate = mock.gate();
		mock.enqueue({ kind: 'ok', gate, gateAfterChunk: 1 });
		const res = await fetch(`${server.url}/v1/chat/completions`, {
			method: 'POST',
			headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
			body: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }], stream: true })
		});
		expect(res.status).toBe(200);
		expect(res.headers.get('content-type')).toContain('text/event-stream');
		const reader = res.body!.getReader();
		const decoder = new TextDecoder();
		let text = '';
		while (!text.includes('\n\n')) text += decoder.decode((await reader.read()).value, { stream: true });
		expect(text).toContain('"role":"assistant"');
		expect(gate.released).toBe(false); // the client got chunk 1 while the upstream still holds chunk 2
		gate.release();
		for (;;) {
			const { done, value } = await reader.read();
			if (done) break;
			text += decoder.decode(value, { stream: true });
		}
		expect(text.trimEnd().endsWith('data: [DONE]')).toBe(true);
		expect(text).toContain('Hello');
	});

	test('a client abort mid-stream closes the upstream connection and is logged as aborted', async () => {
		const gate = mock.gate();
		mock.enqueue({ kind: 'ok', gate, gateAfterChunk: 1 });
		const abort = new AbortController();
		const res = await fetch(`${server.url}/v1/chat/completions`, {
			method: 'POST',
			headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
			body: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }], stream: true }),
			signal: abort.signal
		});
		const requestId = res.headers.get('x-request-id') ?? '';
		await res.body!.getReader().read();
		abort.abort();
		await eventually(() => expect(mock.clientAborts).toBe(1), { timeout: 10_000 });
		const row = await logRow(requestId);
		expect(row.status).toBe(499);
		expect(row.error).toMatch(/client went away/i);
	});

	test('a client leaving a long stream that has no usage yet: the call is settled at once, and the server stays responsive', async () => {
		// About 2.6 MB of answer, held after 2 MB, never released; no usage ever comes. Its
		// estimate used to pad what it did not keep with x's and tokenize that: minutes of CPU.
		const gate = mock.gate();
		const content = 'All work and no play makes Jack a dull boy. '.repeat(60_000);
		mock.enqueue({ kind: 'ok', content, chunks: 200, usage: null, gate, gateAfterChunk: 150 });
		const abort = new AbortController();
		const res = await fetch(`${server.url}/v1/chat/completions`, {
			method: 'POST',
			headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
			body: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Write at length' }], stream: true }),
			signal: abort.signal
		});
		const requestId = res.headers.get('x-request-id') ?? '';
		const reader = res.body!.getReader();
		for (let received = 0; received < 1.5 * 1024 * 1024; ) {
			const { done, value } = await reader.read();
			if (done) throw new Error('the stream ended before the client meant to leave');
			received += value.length;
		}
		abort.abort();
		// The upstream is still read for relay.client_gone_drain_ms (5 s) in case usage comes.
		await eventually(() => expect(mock.clientAborts).toBe(1), { timeout: 20_000 });
		const health = await fetch(`${server.url}/api/health`, { signal: AbortSignal.timeout(10_000) });
		expect(health.status).toBe(200);
		const row = await logRow(requestId);
		expect(row).toMatchObject({ status: 499, estimated: true });
		// ~2 MB of the answer went out, ~11 tokens per 44-character sentence: about 500k tokens,
		// twice what the 1 Mi characters kept as text hold; the rest is counted by its size.
		expect(Number(row.completion_tokens)).toBeGreaterThan(400_000);
	});

	test('an upstream that dies mid-stream ends the stream with an in-band error and no [DONE]', async () => {
		mock.enqueue({ kind: 'drop-mid-stream', afterChunks: 2 });
		const res = await fetch(`${server.url}/v1/chat/completions`, {
			method: 'POST',
			headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
			body: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }], stream: true })
		});
		expect(res.status).toBe(200);
		const text = await res.text();
		expect(text).not.toContain('[DONE]');
		const events = text.trim().split('\n\n');
		expect(JSON.parse(events.at(-1)!.slice('data: '.length))).toMatchObject({ error: { type: 'server_error', code: 'upstream_disconnected' } });
		expect((await logRow(res.headers.get('x-request-id') ?? '')).status).toBe(502);
	});

	test('without usage from the upstream, tokens are counted locally and marked estimated', async () => {
		mock.enqueue({ kind: 'ok', usage: null }, { kind: 'ok', usage: null });
		const { response } = await client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Hello there' }] }).withResponse();
		const row = await logRow(response.headers.get('x-request-id') ?? '');
		expect(row.estimated).toBe(true);
		expect(Number(row.prompt_tokens)).toBeGreaterThan(5);
		expect(row.completion_tokens).toBe('5'); // "Hello from the mock." in o200k_base
		const { data: stream, response: streamResponse } = await client.chat.completions
			.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Hello there' }], stream: true })
			.withResponse();
		for await (const _ of stream) {
			// drain
		}
		const streamed = await logRow(streamResponse.headers.get('x-request-id') ?? '');
		expect(streamed).toMatchObject({ estimated: true, completion_tokens: '5' });
	});
});

describe('other doors', () => {
	test('embeddings', async () => {
		const result = await client.embeddings.create({ model: 'text-embedding-3-small', input: ['alpha', 'beta'] });
		expect(result.data).toHaveLength(2);
		expect(result.data[0]?.embedding).toHaveLength(8);
		expect(result.model).toBe('text-embedding-3-small');
		expect(mock.requests[0]?.path).toBe('/v1/embeddings');
		expect(mock.requests[0]?.body).toMatchObject({ model: 'text-embedding-3-small', input: ['alpha', 'beta'] });
	});

	test('legacy completions, plain and streamed', async () => {
		const plain = await client.completions.create({ model: 'gpt-3.5-turbo-instruct', prompt: 'Say hi' });
		expect(plain.choices[0]?.text).toBe('Hello from the mock.');
		let text = '';
		for await (const c of await client.completions.create({ model: 'gpt-3.5-turbo-instruct', prompt: 'Say hi', stream: true })) {
			text += c.choices[0]?.text ?? '';
		}
		expect(text).toBe('Hello from the mock.');
		expect(mock.requests.map((r) => r.path)).toEqual(['/v1/completions', '/v1/completions']);
	});
});

describe('models', () => {
	test('the list shows the public names of the key’s group, narrowed by its allow-list', async () => {
		const all = await client.models.list();
		expect(all.data.map((m) => m.id)).toEqual(['gpt-3.5-turbo-instruct', 'gpt-4o-mini', 'house-model', 'text-embedding-3-small']);
		expect(all.data[0]).toMatchObject({ object: 'model', owned_by: 'elygate' });

		const narrow = await userWithKey(fx, { key: { allowedModels: ['gpt-4o-mini'] } });
		await keyIsLive(server.url, narrow.key);
		const narrowClient = new OpenAI({ baseURL: `${server.url}/v1`, apiKey: narrow.key, maxRetries: 0 });
		expect((await narrowClient.models.list()).data.map((m) => m.id)).toEqual(['gpt-4o-mini']);
		expect((await narrowClient.models.retrieve('gpt-4o-mini')).id).toBe('gpt-4o-mini');
		await expect(narrowClient.models.retrieve('house-model')).rejects.toMatchObject({ status: 404, code: 'model_not_found' });
	});
});

describe('refusals', () => {
	const post = (body: string, headers: Record<string, string> = {}) =>
		fetch(`${server.url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
	const chat = JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] });

	async function expectError(res: Response, status: number, code: string | null, type?: string) {
		expect(res.status).toBe(status);
		expect(res.headers.get('x-request-id')).toMatch(/^req_/);
		const body = (await res.json()) as { error: Record<string, unknown> };
		expect(Object.keys(body.error).sort()).toEqual(['code', 'message', 'param', 'type']);
		expect(body.error.code).toBe(code);
		expect(typeof body.error.message).toBe('string');
		if (type) expect(body.error.type).toBe(type);
		return body.error;
	}

	test('missing and unknown keys', async () => {
		await expectError(await post(chat), 401, 'invalid_api_key');
		await expectError(await post(chat, { authorization: 'Bearer sk-nope' }), 401, 'invalid_api_key');
		expect(mock.requests).toHaveLength(0);
	});

	test('keys also work as x-api-key and api-key', async () => {
		expect((await post(chat, { 'x-api-key': key })).status).toBe(200);
		expect((await post(chat, { 'api-key': key })).status).toBe(200);
	});

	test('expired, disabled, model-restricted and IP-restricted keys get 403 with their codes', async () => {
		const soon = new Date(Date.now() + 2_000);
		const expiring = await userWithKey(fx, { key: { expiresAt: soon } });
		const restricted = await userWithKey(fx, { key: { allowedModels: ['text-embedding-3-small'] } });
		const fenced = await userWithKey(fx, { key: { allowedIps: ['10.0.0.0/8'] } });
		const disabled = await createApiKey(fx, SYSTEM, { userId: restricted.userId, name: 'off' });
		const { updateApiKey } = await import('../../src/lib/server/services/api-keys');
		await updateApiKey(fx, SYSTEM, disabled.apiKey.id, { enabled: false });
		// Every key's state must have reached the server (through NOTIFY) before a call is made
		// with it, or a call could reach the upstream in between; /v1/models never does.
		await keyIsLive(server.url, restricted.key);
		await keyIsRefused(server.url, fenced.key, 'ip_not_allowed');
		await keyIsRefused(server.url, disabled.key, 'key_disabled');

		await expectError(await post(chat, { authorization: `Bearer ${restricted.key}` }), 403, 'model_not_allowed', 'permission_error');
		await expectError(await post(chat, { authorization: `Bearer ${fenced.key}` }), 403, 'ip_not_allowed', 'permission_error');
		await expectError(await post(chat, { authorization: `Bearer ${disabled.key}` }), 403, 'key_disabled');
		expect(mock.requests).toHaveLength(0);
		// Works until its expiry passes (calls meanwhile reach the upstream), then refused.
		await eventually(async () => expectError(await post(chat, { authorization: `Bearer ${expiring.key}` }), 403, 'key_expired'), {
			interval: 250
		});
		mock.reset();
		await expectError(await post(chat, { authorization: `Bearer ${expiring.key}` }), 403, 'key_expired');
		expect(mock.requests).toHaveLength(0);
	});

	test('bad bodies: not JSON, no model, unknown model, too large', async () => {
		const auth = { authorization: `Bearer ${key}` };
		await expectError(await post('{not json', auth), 400, 'invalid_json', 'invalid_request_error');
		await expectError(await post('[1,2]', auth), 400, 'invalid_json');
		const missing = await expectError(await post(JSON.stringify({ messages: [] }), auth), 400, 'missing_model');
		expect(missing.param).toBe('model');
		await expectError(await post(JSON.stringify({ model: 'no-such-model', messages: [] }), auth), 404, 'model_not_found');
		const big = JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'x'.repeat(300 * 1024) }] });
		await expectError(await post(big, auth), 413, 'request_too_large');
		expect(mock.requests).toHaveLength(0);
	});

	test('unknown paths and wrong methods', async () => {
		await expectError(await fetch(`${server.url}/v1/nope`, { headers: { authorization: `Bearer ${key}` } }), 404, 'unknown_url');
		const wrong = await fetch(`${server.url}/v1/chat/completions`, { headers: { authorization: `Bearer ${key}` } });
		await expectError(wrong, 405, 'method_not_allowed');
	});

	test('upstream errors keep their status, lose hosts and keys', async () => {
		mock.enqueue({ kind: 'error', status: 400 });
		const error = await expectError(await post(chat, { authorization: `Bearer ${key}` }), 400, null);
		expect(error.message).not.toContain(mock.url.replace('http://', ''));
		expect(error.message).not.toContain('sk-mock-secret');
		mock.enqueue({ kind: 'error', status: 429, headers: { 'retry-after': '7' } });
		const limited = await post(chat, { authorization: `Bearer ${key}` });
		expect(limited.headers.get('retry-after')).toBe('7');
		await expectError(limited, 429, 'rate_limit_exceeded', 'rate_limit_error');
		mock.enqueue({ kind: 'drop-before-headers' });
		await expectError(await post(chat, { authorization: `Bearer ${key}` }), 502, 'upstream_unreachable');
	});
});

describe('headers', () => {
	test('the server makes the request id; the client’s own is echoed beside it and logged', async () => {
		const res = await fetch(`${server.url}/v1/chat/completions`, {
			method: 'POST',
			headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', 'x-request-id': 'trace-abc-123' },
			body: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] })
		});
		const requestId = res.headers.get('x-request-id') ?? '';
		expect(requestId).toMatch(/^req_/);
		expect(res.headers.get('x-client-request-id')).toBe('trace-abc-123');
		expect((await logRow(requestId)).client_request_id).toBe('trace-abc-123');
	});

	test('CORS preflight for browser clients', async () => {
		const res = await fetch(`${server.url}/v1/chat/completions`, {
			method: 'OPTIONS',
			headers: { origin: 'https://chat.example', 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization, content-type' }
		});
		expect(res.status).toBe(204);
		expect(res.headers.get('access-control-allow-origin')).toBe('*');
		expect(res.headers.get('access-control-allow-headers')).toContain('authorization');
		const actual = await fetch(`${server.url}/v1/models`, { headers: { origin: 'https://chat.example', authorization: `Bearer ${key}` } });
		expect(actual.headers.get('access-control-allow-origin')).toBe('*');
	});
});

test('no database query on the relay path across 100 calls', async () => {
	const mainQueries = async () => {
		return sample(await scrapeMetrics(server.url), 'elygate_db_queries_total{pool="main"}');
	};
	const before = await mainQueries();
	expect(before).toBeGreaterThan(0); // the counter is live: start-up loaded the snapshot through it
	for (let i = 0; i < 100; i++) {
		if (i % 2) await client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: `n${i}` }] });
		else for await (const _ of await client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: `s${i}` }], stream: true })) {
			// drain
		}
	}
	await client.models.list();
	expect(await mainQueries()).toBe(before);
	await eventually(async () => {
		const [row] = await db.sql`select count(*)::int as n from request_logs where model = 'gpt-4o-mini'`;
		expect(row?.n).toBeGreaterThanOrEqual(100);
	});
});
