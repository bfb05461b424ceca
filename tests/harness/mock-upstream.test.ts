import OpenAI from 'openai';
import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { eventually } from './eventually';
import { startMockUpstream, type MockUpstream } from './mock-upstream';

const FAKE_KEY = 'sk-mock-secret-1234567890abcdef';
const messages = [{ role: 'user', content: 'hi' }];

let mock: MockUpstream;

beforeAll(async () => {
	mock = await startMockUpstream();
});

beforeEach(() => {
	mock.reset();
});

afterAll(async () => {
	await mock?.close();
});

function post(path: string, body: unknown, init: RequestInit = {}): Promise<Response> {
	return fetch(`${mock.url}${path}`, {
		method: 'POST',
		headers: { 'content-type': 'application/json', authorization: 'Bearer sk-test' },
		body: JSON.stringify(body),
		...init
	});
}

/** The `data:` payloads of an SSE body, in order. */
function sseData(text: string): string[] {
	return text
		.split('\n\n')
		.filter((block) => block !== '')
		.map((block) => {
			expect(block.startsWith('data: ')).toBe(true);
			return block.slice('data: '.length);
		});
}

type Json = Record<string, unknown>;

/** Every event but the final `[DONE]`, parsed; asserts `[DONE]` is there and last. */
function sseJson(text: string): Json[] {
	const data = sseData(text);
	expect(data.at(-1)).toBe('[DONE]');
	expect(data.filter((d) => d === '[DONE]')).toHaveLength(1);
	return data.slice(0, -1).map((d) => JSON.parse(d) as Json);
}

/** Reads a body to its end or until it fails, keeping what arrived before a failure. */
async function readUntilFailure(res: Response): Promise<{ text: string; failed: boolean }> {
	const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
	let text = '';
	try {
		for (;;) {
			const { done, value } = await reader.read();
			if (done) return { text, failed: false };
			text += value;
		}
	} catch {
		return { text, failed: true };
	}
}

const choice = (chunk: Json) => (chunk.choices as Json[])[0] as Json;
const delta = (chunk: Json) => choice(chunk).delta as Json;

describe('chat completions, non-stream', () => {
	test('answers a chat.completion echoing the requested model, with default content and usage', async () => {
		const res = await post('/v1/chat/completions', { model: 'gpt-4o-mini', messages });
		expect(res.status).toBe(200);
		expect(res.headers.get('content-type')).toMatch(/^application\/json/);
		const body = (await res.json()) as Json;
		expect(body).toEqual({
			id: expect.stringMatching(/^chatcmpl-mock/),
			object: 'chat.completion',
			created: expect.any(Number),
			model: 'gpt-4o-mini',
			system_fingerprint: 'fp_mock',
			choices: [
				{
					index: 0,
					message: { role: 'assistant', content: 'Hello from the mock.', refusal: null },
					logprobs: null,
					finish_reason: 'stop'
				}
			],
			usage: { prompt_tokens: 11, completion_tokens: 4, total_tokens: 15 }
		});
		expect(Math.abs((body.created as number) - Date.now() / 1000)).toBeLessThan(5);
	});

	test('model, content and usage can be overridden, and usage null omits usage', async () => {
		mock.enqueue(
			{ kind: 'ok', model: 'upstream-model', content: 'Custom.', usage: { prompt_tokens: 3, completion_tokens: 7 } },
			{ kind: 'ok', usage: null }
		);
		const first = (await (await post('/v1/chat/completions', { model: 'alias', messages })).json()) as Json;
		expect(first.model).toBe('upstream-model');
		expect(choice(first).message).toEqual({ role: 'assistant', content: 'Custom.', refusal: null });
		expect(first.usage).toEqual({ prompt_tokens: 3, completion_tokens: 7, total_tokens: 10 });

		const second = (await (await post('/v1/chat/completions', { model: 'alias', messages })).json()) as Json;
		expect(second).not.toHaveProperty('usage');
	});

	test('tool calls come back with content null, string arguments and finish_reason tool_calls', async () => {
		mock.enqueue({
			kind: 'ok',
			toolCalls: [
				{ id: 'call_1', name: 'get_weather', arguments: '{"city":"Paris"}' },
				{ id: 'call_2', name: 'get_time', arguments: '{}' }
			]
		});
		const body = (await (await post('/v1/chat/completions', { model: 'm', messages })).json()) as Json;
		expect(choice(body)).toEqual({
			index: 0,
			message: {
				role: 'assistant',
				content: null,
				refusal: null,
				tool_calls: [
					{ id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } },
					{ id: 'call_2', type: 'function', function: { name: 'get_time', arguments: '{}' } }
				]
			},
			logprobs: null,
			finish_reason: 'tool_calls'
		});
	});

	test('the official SDK parses the answer', async () => {
		const client = new OpenAI({ baseURL: `${mock.url}/v1`, apiKey: 'sk-test', maxRetries: 0, timeout: 5_000 });
		const completion = await client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] });
		expect(completion.choices[0]?.message.content).toBe('Hello from the mock.');
		expect(completion.usage?.total_tokens).toBe(15);
	});
});

describe('chat completions, stream', () => {
	test('streams role, content pieces, finish and [DONE], all under one id, with no usage by default', async () => {
		const res = await post('/v1/chat/completions', { model: 'gpt-4o-mini', messages, stream: true });
		expect(res.status).toBe(200);
		expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
		const chunks = sseJson(await res.text());
		expect(chunks).toHaveLength(6); // role + 4 pieces + finish

		const id = chunks[0]!.id;
		expect(id).toMatch(/^chatcmpl-mock/);
		for (const chunk of chunks) {
			expect(chunk).toEqual({
				id,
				object: 'chat.completion.chunk',
				created: chunks[0]!.created,
				model: 'gpt-4o-mini',
				system_fingerprint: 'fp_mock',
				choices: [expect.objectContaining({ index: 0, logprobs: null })]
			});
		}
		expect(delta(chunks[0]!)).toEqual({ role: 'assistant', content: '' });
		const pieces = chunks.slice(1, -1).map((c) => delta(c).content);
		expect(pieces).toEqual(['Hello', ' from', ' the ', 'mock.']);
		expect(chunks.slice(0, -1).every((c) => choice(c).finish_reason === null)).toBe(true);
		expect(choice(chunks.at(-1)!)).toEqual({ index: 0, delta: {}, logprobs: null, finish_reason: 'stop' });
	});

	test('include_usage adds a usage chunk with no choices and usage null on the others', async () => {
		mock.enqueue({ kind: 'ok', content: 'abcdef', chunks: 3 });
		const res = await post('/v1/chat/completions', { model: 'm', messages, stream: true, stream_options: { include_usage: true } });
		const chunks = sseJson(await res.text());
		expect(chunks).toHaveLength(6); // role + 3 pieces + finish + usage
		expect(chunks.slice(1, 4).map((c) => delta(c).content)).toEqual(['ab', 'cd', 'ef']);
		const usageChunk = chunks.at(-1)!;
		expect(usageChunk).toEqual({
			id: chunks[0]!.id,
			object: 'chat.completion.chunk',
			created: chunks[0]!.created,
			model: 'm',
			system_fingerprint: 'fp_mock',
			choices: [],
			usage: { prompt_tokens: 11, completion_tokens: 3, total_tokens: 14 }
		});
		for (const chunk of chunks.slice(0, -1)) expect(chunk.usage).toBeNull();
	});

	test('usage null drops the usage chunk even when include_usage is requested', async () => {
		mock.enqueue({ kind: 'ok', usage: null });
		const res = await post('/v1/chat/completions', { model: 'm', messages, stream: true, stream_options: { include_usage: true } });
		const chunks = sseJson(await res.text());
		expect(chunks.every((c) => (c.choices as Json[]).length === 1)).toBe(true);
		expect(choice(chunks.at(-1)!).finish_reason).toBe('stop');
	});

	test('tool calls stream as a header fragment then argument fragments, with a stable index', async () => {
		mock.enqueue({
			kind: 'ok',
			chunks: 2,
			toolCalls: [
				{ id: 'call_a', name: 'lookup', arguments: '{"q":"x"}' },
				{ id: 'call_b', name: 'other', arguments: '{"n":1}' }
			]
		});
		const res = await post('/v1/chat/completions', { model: 'm', messages, stream: true });
		const chunks = sseJson(await res.text());
		const fragments = chunks.flatMap((c) => (delta(c).tool_calls as Json[] | undefined) ?? []);
		expect(fragments).toEqual([
			{ index: 0, id: 'call_a', type: 'function', function: { name: 'lookup', arguments: '' } },
			{ index: 0, function: { arguments: '{"q"' } },
			{ index: 0, function: { arguments: ':"x"}' } },
			{ index: 1, id: 'call_b', type: 'function', function: { name: 'other', arguments: '' } },
			{ index: 1, function: { arguments: '{"n' } },
			{ index: 1, function: { arguments: '":1}' } }
		]);
		expect(chunks.slice(1).every((c) => delta(c).content === undefined)).toBe(true);
		expect(choice(chunks.at(-1)!).finish_reason).toBe('tool_calls');
	});

	test('the official SDK streams it, usage included', async () => {
		const client = new OpenAI({ baseURL: `${mock.url}/v1`, apiKey: 'sk-test', maxRetries: 0, timeout: 5_000 });
		const stream = await client.chat.completions.create({
			model: 'gpt-4o-mini',
			messages: [{ role: 'user', content: 'hi' }],
			stream: true,
			stream_options: { include_usage: true }
		});
		let content = '';
		let total: number | undefined;
		for await (const chunk of stream) {
			content += chunk.choices[0]?.delta.content ?? '';
			if (chunk.usage) total = chunk.usage.total_tokens;
		}
		expect(content).toBe('Hello from the mock.');
		expect(total).toBe(15);
	});

	test('a gate holds the stream after the given event until it is released', async () => {
		const gate = mock.gate();
		mock.enqueue({ kind: 'ok', gate, gateAfterChunk: 1 });
		const res = await post('/v1/chat/completions', { model: 'm', messages, stream: true });
		const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();

		let first = '';
		while (!first.endsWith('\n\n')) {
			const { done, value } = await reader.read();
			expect(done).toBe(false);
			first += value;
		}
		expect(sseData(first)).toHaveLength(1); // only the role chunk left the mock
		expect(delta(JSON.parse(sseData(first)[0]!) as Json)).toEqual({ role: 'assistant', content: '' });

		const order: string[] = [];
		const next = reader.read().then((result) => {
			order.push('second chunk');
			return result;
		});
		// A full round trip through the mock proves its event loop moved on without writing more.
		expect((await fetch(`${mock.url}/v1/models`)).status).toBe(200);
		expect(gate.released).toBe(false);
		expect(mock.open).toBe(1);
		expect(order).toEqual([]);

		order.push('release');
		gate.release();
		expect(gate.released).toBe(true);
		let rest = (await next).value ?? '';
		for (;;) {
			const { done, value } = await reader.read();
			if (done) break;
			rest += value;
		}
		expect(order).toEqual(['release', 'second chunk']);
		const chunks = sseJson(first + rest);
		expect(chunks).toHaveLength(6);
		await eventually(() => expect(mock.open).toBe(0), { timeout: 1_000, interval: 10 });
		expect(mock.clientAborts).toBe(0);
	});

	test('a gate also holds a non-stream answer', async () => {
		const gate = mock.gate();
		mock.enqueue({ kind: 'ok', gate });
		let answered = false;
		const pending = post('/v1/chat/completions', { model: 'm', messages }).then((res) => {
			answered = true;
			return res;
		});
		await eventually(() => expect(mock.requests).toHaveLength(1), { timeout: 1_000, interval: 5 });
		expect((await fetch(`${mock.url}/v1/models`)).status).toBe(200);
		expect(answered).toBe(false);
		gate.release();
		expect((await pending).status).toBe(200);
	});

	test('chunkDelayMs spaces the events and delayMs delays the start', async () => {
		mock.enqueue({ kind: 'ok', chunks: 2, chunkDelayMs: 20, delayMs: 40 });
		const started = performance.now();
		const res = await post('/v1/chat/completions', { model: 'm', messages, stream: true });
		expect(performance.now() - started).toBeGreaterThanOrEqual(35);
		const chunks = sseJson(await res.text());
		expect(chunks).toHaveLength(4); // role + 2 pieces + finish, then [DONE]: 4 gaps
		expect(performance.now() - started).toBeGreaterThanOrEqual(40 + 4 * 20 - 10);
	});
});

describe('failure behaviours', () => {
	test('error answers with the status, headers and a default OpenAI error naming the mock and a key', async () => {
		mock.enqueue({ kind: 'error', status: 429, headers: { 'retry-after': '7' } });
		const res = await post('/v1/chat/completions', { model: 'm', messages });
		expect(res.status).toBe(429);
		expect(res.headers.get('retry-after')).toBe('7');
		const body = (await res.json()) as { error: Json };
		expect(body.error).toEqual({ message: expect.any(String), type: expect.any(String), param: null, code: null });
		expect(body.error.message).toContain(mock.url);
		expect(body.error.message).toContain(FAKE_KEY);
	});

	test('error can carry a custom JSON or text body, and the SDK sees the status', async () => {
		mock.enqueue(
			{ kind: 'error', status: 400, body: { error: { message: 'bad', type: 'invalid_request_error', param: 'model', code: 'x' } } },
			{ kind: 'error', status: 502, body: '<html>bad gateway</html>', headers: { 'content-type': 'text/html' } },
			{ kind: 'error', status: 503 }
		);
		const first = await post('/v1/chat/completions', { model: 'm', messages });
		expect(first.status).toBe(400);
		expect(await first.json()).toEqual({ error: { message: 'bad', type: 'invalid_request_error', param: 'model', code: 'x' } });

		const second = await post('/v1/chat/completions', { model: 'm', messages });
		expect(second.status).toBe(502);
		expect(second.headers.get('content-type')).toBe('text/html');
		expect(await second.text()).toBe('<html>bad gateway</html>');

		const client = new OpenAI({ baseURL: `${mock.url}/v1`, apiKey: 'sk-test', maxRetries: 0, timeout: 5_000 });
		const failure = await client.chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'hi' }] }).catch((e: unknown) => e);
		expect(failure).toBeInstanceOf(OpenAI.APIError);
		expect((failure as InstanceType<typeof OpenAI.APIError>).status).toBe(503);
	});

	test('drop-before-headers makes fetch reject; the request is still recorded and is no client abort', async () => {
		mock.enqueue({ kind: 'drop-before-headers' });
		await expect(post('/v1/chat/completions', { model: 'm', messages })).rejects.toThrow();
		expect(mock.requests).toHaveLength(1);
		await eventually(() => expect(mock.open).toBe(0), { timeout: 1_000, interval: 5 });
		expect(mock.clientAborts).toBe(0);
		// The next request gets the default again.
		expect((await post('/v1/chat/completions', { model: 'm', messages })).status).toBe(200);
	});

	test('drop-mid-stream delivers the first events, then the connection dies without [DONE]', async () => {
		mock.enqueue({ kind: 'drop-mid-stream', afterChunks: 2 });
		const res = await post('/v1/chat/completions', { model: 'm', messages, stream: true });
		expect(res.status).toBe(200);
		const { text, failed } = await readUntilFailure(res);
		expect(failed || !text.includes('[DONE]')).toBe(true);
		expect(text).not.toContain('[DONE]');
		const data = sseData(text);
		expect(data).toHaveLength(2); // role + one content piece
		expect(delta(JSON.parse(data[1]!) as Json)).toEqual({ content: 'Hello' });
		await eventually(() => expect(mock.open).toBe(0), { timeout: 1_000, interval: 5 });
		expect(mock.clientAborts).toBe(0);
	});

	test('drop-mid-stream on a non-stream request cuts the JSON body short', async () => {
		mock.enqueue({ kind: 'drop-mid-stream', afterChunks: 1 });
		const res = await post('/v1/chat/completions', { model: 'm', messages });
		expect(res.status).toBe(200);
		await expect(res.json()).rejects.toThrow();
	});

	test('hang never answers; aborting the call counts as a client abort', async () => {
		mock.enqueue({ kind: 'hang' });
		const controller = new AbortController();
		const pending = post('/v1/chat/completions', { model: 'm', messages }, { signal: controller.signal });
		await eventually(() => expect(mock.requests).toHaveLength(1), { timeout: 1_000, interval: 5 });
		expect(mock.open).toBe(1);
		expect(mock.clientAborts).toBe(0);
		controller.abort();
		await expect(pending).rejects.toThrow();
		await eventually(() => expect(mock.clientAborts).toBe(1), { timeout: 1_000, interval: 5 });
		await eventually(() => expect(mock.open).toBe(0), { timeout: 1_000, interval: 5 });
	});

	test('a client leaving a held stream counts as a client abort', async () => {
		const gate = mock.gate();
		mock.enqueue({ kind: 'ok', gate, gateAfterChunk: 2 });
		const controller = new AbortController();
		const res = await post('/v1/chat/completions', { model: 'm', messages, stream: true }, { signal: controller.signal });
		const reader = res.body!.getReader();
		await reader.read();
		expect(mock.open).toBe(1);
		controller.abort();
		await eventually(() => expect(mock.clientAborts).toBe(1), { timeout: 1_000, interval: 5 });
		expect(mock.open).toBe(0);
		gate.release(); // the abandoned response must not resume or count twice
		expect((await fetch(`${mock.url}/v1/models`)).status).toBe(200);
		expect(mock.clientAborts).toBe(1);
	});
});

describe('other endpoints', () => {
	test('legacy completions, non-stream', async () => {
		const body = (await (await post('/v1/completions', { model: 'gpt-3.5-turbo-instruct', prompt: 'Say hi' })).json()) as Json;
		expect(body).toEqual({
			id: expect.stringMatching(/^cmpl-mock/),
			object: 'text_completion',
			created: expect.any(Number),
			model: 'gpt-3.5-turbo-instruct',
			choices: [{ text: 'Hello from the mock.', index: 0, logprobs: null, finish_reason: 'stop' }],
			usage: { prompt_tokens: 11, completion_tokens: 4, total_tokens: 15 }
		});
	});

	test('legacy completions, stream with and without include_usage', async () => {
		const plain = sseJson(await (await post('/v1/completions', { model: 'i', prompt: 'x', stream: true })).text());
		expect(plain).toHaveLength(5); // 4 pieces + finish
		const id = plain[0]!.id;
		for (const chunk of plain) {
			expect(chunk).toEqual({
				id,
				object: 'text_completion',
				created: plain[0]!.created,
				model: 'i',
				choices: [expect.objectContaining({ text: expect.any(String), index: 0, logprobs: null })]
			});
			expect(Object.keys(choice(chunk)).sort()).toEqual(['finish_reason', 'index', 'logprobs', 'text']);
		}
		expect(plain.map((c) => choice(c).text).join('')).toBe('Hello from the mock.');
		expect(plain.map((c) => choice(c).finish_reason)).toEqual([null, null, null, null, 'stop']);

		const withUsage = sseJson(
			await (await post('/v1/completions', { model: 'i', prompt: 'x', stream: true, stream_options: { include_usage: true } })).text()
		);
		expect(withUsage).toHaveLength(6);
		expect(withUsage.at(-1)).toMatchObject({ object: 'text_completion', choices: [], usage: { prompt_tokens: 11, completion_tokens: 4, total_tokens: 15 } });
		for (const chunk of withUsage.slice(0, -1)) expect(chunk.usage).toBeNull();
	});

	test('embeddings: one deterministic 8-float vector per input', async () => {
		const res = await post('/v1/embeddings', { model: 'text-embedding-3-small', input: ['alpha', 'beta', [1, 2, 3]] });
		const body = (await res.json()) as { object: string; model: string; data: Json[]; usage: Json };
		expect(body.object).toBe('list');
		expect(body.model).toBe('text-embedding-3-small');
		expect(body.usage).toEqual({ prompt_tokens: 11, total_tokens: 11 });
		expect(body.data.map((d) => [d.object, d.index])).toEqual([
			['embedding', 0],
			['embedding', 1],
			['embedding', 2]
		]);
		for (const item of body.data) {
			expect(item.embedding).toHaveLength(8);
			expect((item.embedding as unknown[]).every((v) => typeof v === 'number' && v >= -1 && v <= 1)).toBe(true);
		}
		expect(body.data[0]!.embedding).not.toEqual(body.data[1]!.embedding);

		const single = (await (await post('/embeddings', { model: 'e', input: 'alpha' })).json()) as { data: Json[] };
		expect(single.data).toHaveLength(1);
		expect(single.data[0]!.embedding).toEqual(body.data[0]!.embedding);
		const tokens = (await (await post('/v1/embeddings', { model: 'e', input: [5, 6, 7] })).json()) as { data: Json[] };
		expect(tokens.data).toHaveLength(1);
	});

	test('embeddings through the SDK (which asks for base64) decode to the same floats', async () => {
		const client = new OpenAI({ baseURL: `${mock.url}/v1`, apiKey: 'sk-test', maxRetries: 0, timeout: 5_000 });
		const viaSdk = await client.embeddings.create({ model: 'e', input: 'alpha' });
		expect(mock.requests.at(-1)?.body).toMatchObject({ encoding_format: 'base64' });
		const plain = (await (await post('/v1/embeddings', { model: 'e', input: 'alpha' })).json()) as { data: Json[] };
		expect(viaSdk.data[0]?.embedding).toEqual(plain.data[0]!.embedding);
	});

	test('models lists the mock model, also through the SDK', async () => {
		const res = await fetch(`${mock.url}/v1/models`);
		expect(await res.json()).toEqual({
			object: 'list',
			data: [{ id: 'mock-gpt', object: 'model', created: 1700000000, owned_by: 'mock' }]
		});
		const client = new OpenAI({ baseURL: `${mock.url}/v1`, apiKey: 'sk-test', maxRetries: 0, timeout: 5_000 });
		const ids: string[] = [];
		for await (const model of client.models.list()) ids.push(model.id);
		expect(ids).toEqual(['mock-gpt']);
	});

	test('anything else is a 404 in OpenAI shape', async () => {
		const notFound = { error: { message: 'not found (mock)', type: 'invalid_request_error', param: null, code: null } };
		for (const [method, path] of [
			['POST', '/v1/responses'],
			['GET', '/v1/chat/completions'],
			['POST', '/v1/models'],
			['POST', '/v1/v1/chat/completions'],
			['GET', '/']
		] as const) {
			const res = await fetch(`${mock.url}${path}`, { method, ...(method === 'POST' ? { body: '{}' } : {}) });
			expect(res.status, `${method} ${path}`).toBe(404);
			expect(await res.json()).toEqual(notFound);
		}
	});

	test('every path is also served without /v1, and the path is recorded as received', async () => {
		expect((await post('/chat/completions', { model: 'm', messages })).status).toBe(200);
		expect((await post('/completions?api-version=1', { model: 'm', prompt: 'x' })).status).toBe(200);
		expect((await post('/embeddings', { model: 'm', input: 'x' })).status).toBe(200);
		expect((await fetch(`${mock.url}/models`)).status).toBe(200);
		expect(mock.requests.map((r) => `${r.method} ${r.path}`)).toEqual([
			'POST /chat/completions',
			'POST /completions?api-version=1',
			'POST /embeddings',
			'GET /models'
		]);
	});
});

describe('recording and control', () => {
	test('records method, path, lower-cased headers and the parsed body', async () => {
		await fetch(`${mock.url}/v1/chat/completions?x=1`, {
			method: 'POST',
			headers: { 'Content-Type': 'application/json', Authorization: 'Bearer sk-upstream', 'X-Custom-Thing': 'yes' },
			body: JSON.stringify({ model: 'm', messages, temperature: 0.5 })
		});
		await fetch(`${mock.url}/v1/completions`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'not json' });
		await fetch(`${mock.url}/v1/models`);
		const [json, text, empty] = mock.requests;
		expect(json).toMatchObject({ method: 'POST', path: '/v1/chat/completions?x=1', body: { model: 'm', messages, temperature: 0.5 } });
		expect(json!.headers).toMatchObject({ authorization: 'Bearer sk-upstream', 'x-custom-thing': 'yes', 'content-type': 'application/json' });
		expect(Object.keys(json!.headers).every((name) => name === name.toLowerCase())).toBe(true);
		expect(text!.body).toBe('not json');
		expect(empty).toMatchObject({ method: 'GET', path: '/v1/models', body: '' });
	});

	test('queued behaviours are consumed in order by POST endpoints only, then the default applies', async () => {
		mock.enqueue({ kind: 'error', status: 500 }, { kind: 'error', status: 401 });
		mock.setDefault({ kind: 'error', status: 418 });
		expect((await fetch(`${mock.url}/v1/models`)).status).toBe(200);
		expect((await post('/v1/embeddings', { model: 'e', input: 'x' })).status).toBe(500);
		expect((await post('/v1/completions', { model: 'm', prompt: 'x' })).status).toBe(401);
		expect((await post('/v1/chat/completions', { model: 'm', messages })).status).toBe(418);
		expect((await post('/v1/chat/completions', { model: 'm', messages })).status).toBe(418);
	});

	test('reset clears requests, queue, counters and the default', async () => {
		mock.enqueue({ kind: 'hang' }, { kind: 'error', status: 500 });
		mock.setDefault({ kind: 'error', status: 418 });
		const controller = new AbortController();
		const pending = post('/v1/chat/completions', { model: 'm', messages }, { signal: controller.signal }).catch(() => 'aborted');
		await eventually(() => expect(mock.requests).toHaveLength(1), { timeout: 1_000, interval: 5 });
		controller.abort();
		await pending;
		await eventually(() => expect(mock.clientAborts).toBe(1), { timeout: 1_000, interval: 5 });

		mock.reset();
		expect(mock.requests).toEqual([]);
		expect(mock.clientAborts).toBe(0);
		expect(mock.open).toBe(0);
		expect((await post('/v1/chat/completions', { model: 'm', messages })).status).toBe(200);
	});

	test('close stops listening and drops open connections without counting them as client aborts', async () => {
		const other = await startMockUpstream();
		other.enqueue({ kind: 'hang' });
		const pending = fetch(`${other.url}/v1/chat/completions`, { method: 'POST', body: '{}' });
		await eventually(() => expect(other.open).toBe(1), { timeout: 1_000, interval: 5 });
		await other.close();
		await expect(pending).rejects.toThrow();
		expect(other.clientAborts).toBe(0);
		await expect(fetch(`${other.url}/v1/models`)).rejects.toThrow();
	});
});
