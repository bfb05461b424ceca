import Anthropic from '@anthropic-ai/sdk';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ApiClient } from '../harness/api-client';
import { expectBooksBalanceOnceDrained } from '../harness/books';
import { freshDatabase, type TestDatabase } from '../harness/database';
import { eventually } from '../harness/eventually';
import { TEST_SECRET_KEY, keyIsLive } from '../harness/fixtures';
import { startMockUpstream, type MockUpstream } from '../harness/mock-upstream';
import { startServer, type TestServer } from '../harness/server';

// Claude Code's door (/v1/messages) in front of an OpenAI-compatible upstream: the official
// Anthropic SDK on one side, OpenAI chat completions on the other, converted both ways.
const ADMIN_TOKEN = 'messages-admin-token-0123456789abcdef';

let db: TestDatabase;
let server: TestServer;
let openai: MockUpstream;
let admin: ApiClient;
let key: string;
let userId: number;

beforeAll(async () => {
	db = await freshDatabase();
	openai = await startMockUpstream();
	server = await startServer({ env: { DATABASE_URL: db.url, ELYGATE_SECRET_KEY: TEST_SECRET_KEY, ELYGATE_ADMIN_TOKEN: ADMIN_TOKEN } });
	admin = new ApiClient(server.url, { bearer: ADMIN_TOKEN });
	expect((await admin.post('/api/channels', { type: 'openai', name: 'compat', baseUrl: `${openai.url}/v1`, models: ['compat-model'], keys: ['sk-compat-upstream-0001'] })).status).toBe(201);
	expect((await admin.post('/api/prices', { model: 'compat-model', modelRatio: 1, completionRatio: 2 })).status).toBe(200);
	const user = await admin.post('/api/users', { username: 'claude-coder', password: 'claude-coder-pw', quota: 10_000_000 });
	userId = user.body.id;
	key = (await admin.post('/api/keys', { name: 'claude code', userId })).body.key;
});

afterAll(async () => {
	await server?.stop();
	await openai?.close();
	await db?.drop();
});

const client = () => new Anthropic({ baseURL: server.url, apiKey: key, maxRetries: 0, timeout: 15_000 });

describe('/v1/messages over an OpenAI-compatible upstream', () => {
	test('non-stream: an Anthropic message comes back, the upstream got OpenAI chat', async () => {
		openai.reset();
		openai.enqueue({ kind: 'ok', content: 'Hi from upstream.', usage: { prompt_tokens: 30, completion_tokens: 6 } });
		const message = await client().messages.create({
			model: 'compat-model',
			max_tokens: 100,
			system: 'You are terse.',
			messages: [{ role: 'user', content: 'Hello' }]
		});
		expect(message).toMatchObject({ type: 'message', role: 'assistant', model: 'compat-model', stop_reason: 'end_turn' });
		expect(message.content).toEqual([expect.objectContaining({ type: 'text', text: 'Hi from upstream.' })]);
		expect(message.usage).toMatchObject({ input_tokens: 30, output_tokens: 6 });
		const sent = openai.requests[0]!;
		expect(sent.path).toBe('/v1/chat/completions');
		expect(sent.headers.authorization).toBe('Bearer sk-compat-upstream-0001');
		expect(sent.body).toMatchObject({
			model: 'compat-model',
			max_tokens: 100,
			messages: [
				{ role: 'system', content: 'You are terse.' },
				{ role: 'user', content: 'Hello' }
			]
		});
	});

	test('stream: Anthropic events in order, text deltas, usage at the end', async () => {
		openai.reset();
		openai.enqueue({ kind: 'ok', content: 'Streaming back to you.', chunks: 3, usage: { prompt_tokens: 12, completion_tokens: 5 } });
		const stream = client().messages.stream({ model: 'compat-model', max_tokens: 50, messages: [{ role: 'user', content: 'Stream it' }] });
		const types: string[] = [];
		for await (const event of stream) types.push(event.type);
		const final = await stream.finalMessage();
		expect(types[0]).toBe('message_start');
		expect(types.at(-1)).toBe('message_stop');
		expect(types).toContain('content_block_delta');
		expect(final.content).toEqual([expect.objectContaining({ type: 'text', text: 'Streaming back to you.' })]);
		expect(final.usage.output_tokens).toBe(5);
		expect(openai.requests[0]?.body).toMatchObject({ stream: true, stream_options: { include_usage: true } });
	});

	test('tool use round trip: a tool_use block, then its tool_result goes upstream as a tool message', async () => {
		openai.reset();
		openai.enqueue({ kind: 'ok', toolCalls: [{ id: 'call_weather_1', name: 'get_weather', arguments: '{"city":"Paris"}' }] });
		const tools: Anthropic.Tool[] = [{ name: 'get_weather', description: 'Weather', input_schema: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } }];
		const first = await client().messages.create({ model: 'compat-model', max_tokens: 100, tools, messages: [{ role: 'user', content: 'Weather in Paris?' }] });
		expect(first.stop_reason).toBe('tool_use');
		const use = first.content.find((b) => b.type === 'tool_use');
		expect(use).toMatchObject({ type: 'tool_use', name: 'get_weather', input: { city: 'Paris' } });
		expect(openai.requests[0]?.body).toMatchObject({ tools: [{ type: 'function', function: { name: 'get_weather' } }] });

		openai.enqueue({ kind: 'ok', content: 'Sunny, 21°C.' });
		const second = await client().messages.create({
			model: 'compat-model',
			max_tokens: 100,
			tools,
			messages: [
				{ role: 'user', content: 'Weather in Paris?' },
				{ role: 'assistant', content: first.content },
				{ role: 'user', content: [{ type: 'tool_result', tool_use_id: use!.type === 'tool_use' ? use!.id : '', content: 'sunny, 21' }] }
			]
		});
		expect(second.content[0]).toMatchObject({ type: 'text', text: 'Sunny, 21°C.' });
		const messages = (openai.requests[1]?.body as { messages: Array<Record<string, unknown>> }).messages;
		expect(messages.map((m) => m.role)).toEqual(['user', 'assistant', 'tool']);
		expect(messages[1]).toMatchObject({ tool_calls: [{ id: use!.type === 'tool_use' ? use!.id : '', function: { name: 'get_weather' } }] });
		expect(messages[2]).toMatchObject({ role: 'tool', tool_call_id: use!.type === 'tool_use' ? use!.id : '' });
	});

	test('count_tokens answers locally, with no upstream call and nothing billed', async () => {
		openai.reset();
		const counted = await client().messages.countTokens({ model: 'compat-model', messages: [{ role: 'user', content: 'How many tokens is this?' }] });
		expect(counted.input_tokens).toBeGreaterThan(3);
		expect(openai.requests).toHaveLength(0);
	});

	test('count_tokens of a megabyte without a space answers promptly, for a key with nothing to spend, and the server stays responsive', async () => {
		const broke = await admin.post('/api/users', { username: 'broke-counter', password: 'broke-counter-pw', quota: 0 });
		const brokeKey = (await admin.post('/api/keys', { name: 'nothing to spend', userId: broke.body.id })).body.key;
		await keyIsLive(server.url, brokeKey);
		openai.reset();
		const brokeClient = new Anthropic({ baseURL: server.url, apiKey: brokeKey, maxRetries: 0 });
		await expect(brokeClient.messages.create({ model: 'compat-model', max_tokens: 5, messages: [{ role: 'user', content: 'x' }] })).rejects.toMatchObject({ status: 429 });
		// The tokenizer's one-time load (most of a second) is not what is measured here.
		expect((await brokeClient.messages.countTokens({ model: 'compat-model', messages: [{ role: 'user', content: 'warm up' }] })).input_tokens).toBeGreaterThan(0);
		// Without the bound this held the event loop for about half an hour. The time limits
		// below are generous, for a busy machine: the point is seconds rather than minutes.
		const started = performance.now();
		const count = fetch(`${server.url}/v1/messages/count_tokens`, {
			method: 'POST',
			headers: { 'x-api-key': brokeKey, 'anthropic-version': '2023-06-01', 'content-type': 'application/json' },
			body: JSON.stringify({ model: 'compat-model', messages: [{ role: 'user', content: 'x'.repeat(1 << 20) }] }),
			signal: AbortSignal.timeout(20_000)
		});
		const health = await fetch(`${server.url}/api/health`, { signal: AbortSignal.timeout(20_000) });
		expect(health.status).toBe(200);
		expect(performance.now() - started).toBeLessThan(2000);
		const counted = await count;
		expect(counted.status).toBe(200);
		expect(performance.now() - started).toBeLessThan(2000);
		// 128 x's are 16 tokens: a megabyte is 131,072 of them, plus the message's overhead.
		const { input_tokens } = (await counted.json()) as { input_tokens: number };
		expect(input_tokens / ((1 << 20) / 8)).toBeCloseTo(1, 3);
		expect(openai.requests).toHaveLength(0);
	});

	test('errors come back in the Anthropic shape, and both auth headers work', async () => {
		await expect(new Anthropic({ baseURL: server.url, apiKey: 'sk-wrong', maxRetries: 0 }).messages.create({ model: 'compat-model', max_tokens: 5, messages: [{ role: 'user', content: 'x' }] })).rejects.toMatchObject({
			status: 401,
			error: { type: 'error', error: { type: 'authentication_error' } }
		});
		const missing = await fetch(`${server.url}/v1/messages`, {
			method: 'POST',
			headers: { 'x-api-key': key, 'anthropic-version': '2023-06-01', 'content-type': 'application/json' },
			body: JSON.stringify({ model: 'compat-model', messages: [{ role: 'user', content: 'no max_tokens' }] })
		});
		expect(missing.status).toBe(400);
		expect(await missing.json()).toMatchObject({ type: 'error', error: { type: 'invalid_request_error' } });
		// The old version header with x-api-key, as older clients send it.
		openai.enqueue({ kind: 'ok', content: 'ok' });
		const old = await fetch(`${server.url}/v1/messages`, {
			method: 'POST',
			headers: { 'x-api-key': key, 'anthropic-version': '2023-06-01', 'content-type': 'application/json' },
			body: JSON.stringify({ model: 'compat-model', max_tokens: 5, temperature: 0.2, messages: [{ role: 'user', content: 'hi' }] })
		});
		expect(old.status).toBe(200);
		expect(await old.json()).toMatchObject({ type: 'message', content: [{ type: 'text', text: 'ok' }] });
	});

	test('every call of this file is billed and logged, and the books balance', async () => {
		await eventually(async () => {
			const rows = await db.sql`select door, status from request_logs where user_id = ${userId}`;
			expect(rows.length).toBeGreaterThanOrEqual(5);
			expect(rows.every((r) => r.door === 'messages')).toBe(true);
		});
		await expectBooksBalanceOnceDrained(db.sql, [server.url]);
	});
});
