import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ApiClient } from '../harness/api-client';
import { expectBooksBalanceOnceDrained } from '../harness/books';
import { freshDatabase, type TestDatabase } from '../harness/database';
import { eventually } from '../harness/eventually';
import { TEST_SECRET_KEY, TINY_PNG } from '../harness/fixtures';
import { startMockGemini, type MockGemini } from '../harness/mock-gemini';
import { startServer, type TestServer } from '../harness/server';

// OpenAI-SDK programs (and Claude Code's door) over a Gemini upstream, end to end.
const ADMIN_TOKEN = 'gemini-admin-token-0123456789abcdef';
const PNG = TINY_PNG;

let db: TestDatabase;
let server: TestServer;
let gemini: MockGemini;
let admin: ApiClient;
let images: ReturnType<typeof Bun.serve>;
let forbidden: ReturnType<typeof Bun.serve>;
let key: string;
let userId: number;
let channelId: number;

beforeAll(async () => {
	db = await freshDatabase();
	gemini = await startMockGemini();
	// An image server the gateway may use (allow-listed), and one it must never reach.
	forbidden = Bun.serve({ port: 0, hostname: '127.0.0.1', fetch: () => new Response(PNG, { headers: { 'content-type': 'image/png' } }) });
	images = Bun.serve({
		port: 0,
		hostname: '127.0.0.1',
		fetch: (req) =>
			new URL(req.url).pathname === '/redirect'
				? Response.redirect(`http://127.0.0.1:${forbidden.port}/secret.png`, 302)
				: new Response(PNG, { headers: { 'content-type': 'image/png' } })
	});
	server = await startServer({ env: { DATABASE_URL: db.url, ELYGATE_SECRET_KEY: TEST_SECRET_KEY, ELYGATE_ADMIN_TOKEN: ADMIN_TOKEN } });
	admin = new ApiClient(server.url, { bearer: ADMIN_TOKEN });
	expect((await admin.patch('/api/options', { 'relay.image_fetch_allow_hosts': [`127.0.0.1:${images.port}`] })).status).toBe(200);
	const channel = await admin.post('/api/channels', { type: 'gemini', name: 'gemini', baseUrl: gemini.url, models: ['gemini-2.5-flash'], keys: [gemini.key] });
	expect(channel.status, JSON.stringify(channel.body)).toBe(201);
	channelId = channel.body.id;
	expect((await admin.post('/api/prices', { model: 'gemini-2.5-flash', modelRatio: 1, completionRatio: 2, cacheReadRatio: 0.25 })).status).toBe(200);
	const user = await admin.post('/api/users', { username: 'gemini-user', password: 'gemini-user-pw', quota: 10_000_000 });
	userId = user.body.id;
	key = (await admin.post('/api/keys', { name: 'k', userId })).body.key;
});

afterAll(async () => {
	await server?.stop();
	await gemini?.close();
	images?.stop(true);
	forbidden?.stop(true);
	await db?.drop();
});

const openai = () => new OpenAI({ baseURL: `${server.url}/v1`, apiKey: key, maxRetries: 0, timeout: 15_000 });
const MODEL = 'gemini-2.5-flash';

type GeminiBody = { contents: Array<{ role: string; parts: Array<Record<string, unknown>> }>; systemInstruction?: unknown; generationConfig?: Record<string, unknown> };
const bodyOf = (i: number) => gemini.requests[i]!.body as GeminiBody;

describe('the openai package over a Gemini channel', () => {
	test('text, non-stream: converted both ways, key in the header, usage with cache and thoughts billed', async () => {
		gemini.reset();
		gemini.enqueue({ kind: 'ok', text: 'Bonjour!', usage: { prompt: 100, candidates: 20, thoughts: 10, cached: 40 } });
		const { data: completion, response } = await openai()
			.chat.completions.create({ model: MODEL, messages: [{ role: 'system', content: 'Be French.' }, { role: 'user', content: 'Hello' }] })
			.withResponse();
		expect(completion.choices[0]).toMatchObject({ message: { role: 'assistant', content: 'Bonjour!' }, finish_reason: 'stop' });
		expect(completion.model).toBe(MODEL);
		expect(completion.usage).toMatchObject({ prompt_tokens: 100, completion_tokens: 30, total_tokens: 130, prompt_tokens_details: { cached_tokens: 40 }, completion_tokens_details: { reasoning_tokens: 10 } });
		const sent = gemini.requests[0]!;
		expect(sent.problem).toBeUndefined();
		expect(sent.path).toBe(`/v1beta/models/${MODEL}:generateContent`);
		expect(sent.headers['x-goog-api-key']).toBe(gemini.key);
		expect(bodyOf(0)).toMatchObject({ systemInstruction: { parts: [{ text: 'Be French.' }] }, contents: [{ role: 'user', parts: [{ text: 'Hello' }] }] });
		// 60 uncached + 40 cached × 0.25 + 30 output × 2 = 130 quota.
		const requestId = response.headers.get('x-request-id');
		await eventually(async () => {
			const [row] = await db.sql`select cost::int8 as cost, cache_read_tokens::int, reasoning_tokens::int, completion_tokens::int from request_logs where request_id = ${requestId}`;
			expect(row).toEqual({ cost: '130', cache_read_tokens: 40, reasoning_tokens: 10, completion_tokens: 30 });
		});
	});

	test('text, stream: chunks in OpenAI order ending with usage (asked for) and [DONE]', async () => {
		gemini.reset();
		gemini.enqueue({ kind: 'ok', text: 'One two three four', chunks: 4, usage: { prompt: 10, candidates: 4 } });
		const chunks = [];
		for await (const c of await openai().chat.completions.create({ model: MODEL, messages: [{ role: 'user', content: 'Count' }], stream: true, stream_options: { include_usage: true } })) chunks.push(c);
		expect(chunks[0]?.choices[0]?.delta.role).toBe('assistant');
		expect(chunks.map((c) => c.choices[0]?.delta.content ?? '').join('')).toBe('One two three four');
		expect(chunks.filter((c) => c.choices[0]?.finish_reason).map((c) => c.choices[0]?.finish_reason)).toEqual(['stop']);
		expect(chunks.at(-1)).toMatchObject({ choices: [], usage: { prompt_tokens: 10, completion_tokens: 4 } });
		expect(gemini.requests[0]!.path).toBe(`/v1beta/models/${MODEL}:streamGenerateContent?alt=sse`);
	});

	test('two parallel tool calls, streamed in separate events, then their results', async () => {
		gemini.reset();
		gemini.enqueue({ kind: 'ok', functionCalls: [{ name: 'get_weather', args: { city: 'Paris' } }, { name: 'get_weather', args: { city: 'Rome' } }], callsInSeparateEvents: true });
		const tools: OpenAI.ChatCompletionTool[] = [{ type: 'function', function: { name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } } }];
		const stream = openai().chat.completions.stream({ model: MODEL, messages: [{ role: 'user', content: 'Paris and Rome?' }], tools });
		const final = await stream.finalChatCompletion();
		const calls = final.choices[0]!.message.tool_calls!;
		expect(final.choices[0]!.finish_reason).toBe('tool_calls');
		expect(calls.map((c) => c.type === 'function' && JSON.parse(c.function.arguments))).toEqual([{ city: 'Paris' }, { city: 'Rome' }]);
		expect(new Set(calls.map((c) => c.id)).size).toBe(2);

		gemini.enqueue({ kind: 'ok', text: 'Paris 21°C, Rome 25°C.' });
		const answer = await openai().chat.completions.create({
			model: MODEL,
			tools,
			messages: [
				{ role: 'user', content: 'Paris and Rome?' },
				final.choices[0]!.message,
				{ role: 'tool', tool_call_id: calls[0]!.id, content: '21°C' },
				{ role: 'tool', tool_call_id: calls[1]!.id, content: '25°C' }
			]
		});
		expect(answer.choices[0]!.message.content).toBe('Paris 21°C, Rome 25°C.');
		expect(gemini.requests[1]!.problem).toBeUndefined();
		const turns = bodyOf(1).contents;
		expect(turns.map((t) => t.role)).toEqual(['user', 'model', 'user']);
		expect(turns[2]!.parts.map((p) => (p.functionResponse as { name: string }).name)).toEqual(['get_weather', 'get_weather']);
	});

	test('images: a data URL and an allow-listed https-style URL go inline; private addresses and redirects to them are refused', async () => {
		gemini.reset();
		gemini.enqueue({ kind: 'ok', text: 'A pixel.' }, { kind: 'ok', text: 'Another pixel.' });
		const dataUrl = `data:image/png;charset=binary;base64,${PNG.toString('base64')}`;
		await openai().chat.completions.create({ model: MODEL, messages: [{ role: 'user', content: [{ type: 'text', text: 'What is this?' }, { type: 'image_url', image_url: { url: dataUrl } }] }] });
		expect(bodyOf(0).contents[0]!.parts[1]).toEqual({ inlineData: { mimeType: 'image/png', data: PNG.toString('base64') } });
		await openai().chat.completions.create({ model: MODEL, messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: `http://127.0.0.1:${images.port}/pixel.png` } }] }] });
		expect(bodyOf(1).contents[0]!.parts[0]).toEqual({ inlineData: { mimeType: 'image/png', data: PNG.toString('base64') } });

		for (const url of [`http://127.0.0.1:${forbidden.port}/secret.png`, `http://127.0.0.1:${images.port}/redirect`, 'http://169.254.169.254/latest/meta-data']) {
			await expect(openai().chat.completions.create({ model: MODEL, messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url } }] }] })).rejects.toMatchObject({ status: 400 });
		}
		expect(gemini.requests).toHaveLength(2);
	});

	test('JSON-schema output and a max-tokens stop', async () => {
		gemini.reset();
		gemini.enqueue({ kind: 'ok', text: '{"name":"Ada"}' }, { kind: 'ok', text: 'Once upon', finishReason: 'MAX_TOKENS' });
		const structured = await openai().chat.completions.create({
			model: MODEL,
			messages: [{ role: 'user', content: 'A name' }],
			response_format: { type: 'json_schema', json_schema: { name: 'person', schema: { type: 'object', properties: { name: { type: 'string' } }, required: ['name'], additionalProperties: false } } }
		});
		expect(JSON.parse(structured.choices[0]!.message.content!)).toEqual({ name: 'Ada' });
		expect(bodyOf(0).generationConfig).toMatchObject({ responseMimeType: 'application/json', responseSchema: { type: 'object', properties: { name: { type: 'string' } } } });
		const cut = await openai().chat.completions.create({ model: MODEL, messages: [{ role: 'user', content: 'A story' }], max_tokens: 3 });
		expect(cut.choices[0]!.finish_reason).toBe('length');
		expect(bodyOf(1).generationConfig).toMatchObject({ maxOutputTokens: 3 });
	});
});

test("an admin's channel test speaks Gemini too", async () => {
	gemini.reset();
	const tested = await admin.post(`/api/channels/${channelId}/test`, {});
	expect(tested.status, JSON.stringify(tested.body)).toBe(200);
	expect(tested.body).toMatchObject({ ok: true, model: MODEL });
	expect(gemini.requests[0]!.path).toBe(`/v1beta/models/${MODEL}:generateContent`);
	expect(gemini.requests[0]!.problem).toBeUndefined();
	// A config that does not fit the channel type is refused, naming the field.
	const bad = await admin.patch(`/api/channels/${channelId}`, { config: { apiVersion: 'v9' } });
	expect(bad.status).toBe(400);
	expect(bad.body.error.field).toBe('config.apiVersion');
});

describe('Claude Code over a Gemini channel', () => {
	test('/v1/messages non-stream and stream', async () => {
		gemini.reset();
		gemini.enqueue({ kind: 'ok', text: 'From Gemini.' }, { kind: 'ok', text: 'Streamed from Gemini.', chunks: 3 });
		const anthropic = new Anthropic({ baseURL: server.url, apiKey: key, maxRetries: 0, timeout: 15_000 });
		const message = await anthropic.messages.create({ model: MODEL, max_tokens: 64, messages: [{ role: 'user', content: 'Hi' }] });
		expect(message.content).toEqual([expect.objectContaining({ type: 'text', text: 'From Gemini.' })]);
		const stream = anthropic.messages.stream({ model: MODEL, max_tokens: 64, messages: [{ role: 'user', content: 'Hi again' }] });
		const final = await stream.finalMessage();
		expect(final.content).toEqual([expect.objectContaining({ type: 'text', text: 'Streamed from Gemini.' })]);
		expect(final.stop_reason).toBe('end_turn');
	});

	test('/v1/messages tool use round trip over Gemini', async () => {
		gemini.reset();
		gemini.enqueue({ kind: 'ok', functionCalls: [{ name: 'lookup', args: { term: 'elygate' } }] }, { kind: 'ok', text: 'Found it.' });
		const anthropic = new Anthropic({ baseURL: server.url, apiKey: key, maxRetries: 0, timeout: 15_000 });
		const tools: Anthropic.Tool[] = [{ name: 'lookup', input_schema: { type: 'object', properties: { term: { type: 'string' } } } }];
		const first = await anthropic.messages.create({ model: MODEL, max_tokens: 64, tools, messages: [{ role: 'user', content: 'Look it up' }] });
		const use = first.content.find((b) => b.type === 'tool_use');
		expect(first.stop_reason).toBe('tool_use');
		expect(use).toMatchObject({ name: 'lookup', input: { term: 'elygate' } });
		const second = await anthropic.messages.create({
			model: MODEL,
			max_tokens: 64,
			tools,
			messages: [
				{ role: 'user', content: 'Look it up' },
				{ role: 'assistant', content: first.content },
				{ role: 'user', content: [{ type: 'tool_result', tool_use_id: use?.type === 'tool_use' ? use.id : '', content: 'a gateway' }] }
			]
		});
		expect(second.content[0]).toMatchObject({ type: 'text', text: 'Found it.' });
		expect(gemini.requests[1]!.problem).toBeUndefined();
		expect(bodyOf(1).contents[2]!.parts[0]).toMatchObject({ functionResponse: { name: 'lookup' } });
	});

	test('the books balance after every call of this file', async () => {
		await eventually(async () => expect((await db.sql`select count(*)::int as n from request_logs where user_id = ${userId}`)[0]!.n).toBeGreaterThanOrEqual(11));
		await expectBooksBalanceOnceDrained(db.sql, [server.url]);
	});
});
