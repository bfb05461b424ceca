import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ApiClient } from '../harness/api-client';
import { expectBooksBalanceOnceDrained } from '../harness/books';
import { freshDatabase, type TestDatabase } from '../harness/database';
import { eventually } from '../harness/eventually';
import { TEST_SECRET_KEY } from '../harness/fixtures';
import { overloaded, startMockAnthropic, type MockAnthropic } from '../harness/mock-anthropic';
import { startMockGemini, type MockGemini } from '../harness/mock-gemini';
import { startServer, type TestServer } from '../harness/server';

// Anthropic upstreams end to end: the openai package over a Claude channel (converted), Claude
// Code over it (passthrough), Codex's Responses door over it, and failover to Gemini.
const ADMIN_TOKEN = 'anthropic-admin-token-0123456789abcdef';
const CLAUDE_KEY = 'sk-ant-upstream-test-0001';
const PNG = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==';

let db: TestDatabase;
let server: TestServer;
let claude: MockAnthropic;
let gemini: MockGemini;
let admin: ApiClient;
let key: string;
let userId: number;

beforeAll(async () => {
	db = await freshDatabase();
	claude = await startMockAnthropic({ apiKey: CLAUDE_KEY });
	gemini = await startMockGemini();
	server = await startServer({ env: { DATABASE_URL: db.url, ELYGATE_SECRET_KEY: TEST_SECRET_KEY, ELYGATE_ADMIN_TOKEN: ADMIN_TOKEN } });
	admin = new ApiClient(server.url, { bearer: ADMIN_TOKEN });
	const channels = [
		{ type: 'anthropic', name: 'claude (2023-06-01)', baseUrl: `${claude.url}/v1`, models: ['claude-sonnet-4-5'], keys: [CLAUDE_KEY], config: { anthropicVersion: '2023-06-01' } },
		{ type: 'anthropic', name: 'claude (2026-10-21)', baseUrl: `${claude.url}/v1`, models: ['claude-new'], modelMapping: { 'claude-new': 'claude-sonnet-4-5' }, keys: [CLAUDE_KEY], config: { anthropicVersion: '2026-10-21' } },
		{ type: 'anthropic', name: 'claude first', baseUrl: `${claude.url}/v1`, models: ['claude-fo'], modelMapping: { 'claude-fo': 'claude-sonnet-4-5' }, keys: [CLAUDE_KEY], priority: 10 },
		{ type: 'gemini', name: 'gemini backup', baseUrl: gemini.url, models: ['claude-fo'], modelMapping: { 'claude-fo': 'gemini-2.5-flash' }, keys: [gemini.key], priority: 0 }
	];
	for (const channel of channels) {
		const res = await admin.post('/api/channels', channel);
		expect(res.status, JSON.stringify(res.body)).toBe(201);
	}
	for (const model of ['claude-sonnet-4-5', 'claude-new', 'claude-fo']) {
		expect((await admin.post('/api/prices', { model, modelRatio: 1.5, completionRatio: 5, cacheReadRatio: 0.1, cacheWriteRatio: 1.25 })).status).toBe(200);
	}
	const user = await admin.post('/api/users', { username: 'claude-user', password: 'claude-user-pw', quota: 50_000_000 });
	userId = user.body.id;
	key = (await admin.post('/api/keys', { name: 'k', userId })).body.key;
});

afterAll(async () => {
	await server?.stop();
	await claude?.close();
	await gemini?.close();
	await db?.drop();
});

const openai = () => new OpenAI({ baseURL: `${server.url}/v1`, apiKey: key, maxRetries: 0, timeout: 15_000 });
const anthropic = () => new Anthropic({ baseURL: server.url, apiKey: key, maxRetries: 0, timeout: 15_000 });
type ClaudeBody = { model: string; max_tokens: number; system?: unknown; messages: Array<{ role: string; content: Array<Record<string, unknown>> | string }>; temperature?: number; output_config?: unknown; tools?: unknown[] };
const sentBody = (i: number) => claude.requests[i]!.body as ClaudeBody;

describe('the openai package over an Anthropic channel', () => {
	test('text: converted request, OpenAI answer, cache reads and writes billed at their ratios', async () => {
		claude.reset();
		claude.enqueue({ kind: 'ok', text: 'Hello from Claude.', usage: { input_tokens: 100, output_tokens: 20, cache_read_input_tokens: 1000, cache_creation_input_tokens: 200 } });
		const { data, response } = await openai()
			.chat.completions.create({ model: 'claude-sonnet-4-5', messages: [{ role: 'system', content: 'Be kind.' }, { role: 'user', content: 'Hi' }], temperature: 0.5 })
			.withResponse();
		expect(data.choices[0]).toMatchObject({ message: { content: 'Hello from Claude.' }, finish_reason: 'stop' });
		expect(data.usage).toMatchObject({ prompt_tokens: 1300, completion_tokens: 20, total_tokens: 1320, prompt_tokens_details: { cached_tokens: 1000 } });
		const sent = claude.requests[0]!;
		expect(sent.path).toBe('/v1/messages');
		expect(sent.headers['x-api-key']).toBe(CLAUDE_KEY);
		expect(sent.headers['anthropic-version']).toBe('2023-06-01');
		expect(sentBody(0)).toMatchObject({ model: 'claude-sonnet-4-5', temperature: 0.5, messages: [{ role: 'user' }] });
		expect(JSON.stringify(sentBody(0).system)).toContain('Be kind.');
		// (100 + 1000 × 0.1 + 200 × 1.25 + 20 × 5) × 1.5 = 825 quota.
		await eventually(async () => {
			const [row] = await db.sql`select cost::int8 as cost, cache_read_tokens::int, cache_write_tokens::int from request_logs where request_id = ${response.headers.get('x-request-id')}`;
			expect(row).toEqual({ cost: '825', cache_read_tokens: 1000, cache_write_tokens: 200 });
		});
	});

	test('a channel on API version 2026-10-21 sends Bearer auth and drops the sampling parameters that version refuses', async () => {
		claude.reset();
		claude.enqueue({ kind: 'ok', text: 'New version.' });
		const done = await openai().chat.completions.create({ model: 'claude-new', messages: [{ role: 'user', content: 'Hi' }], temperature: 0.3, top_p: 0.9 });
		expect(done.choices[0]!.message.content).toBe('New version.');
		const sent = claude.requests[0]!;
		expect(sent.headers['anthropic-version']).toBe('2026-10-21');
		expect(sent.headers.authorization).toBe(`Bearer ${CLAUDE_KEY}`);
		expect(sentBody(0)).not.toHaveProperty('temperature');
		expect(sentBody(0)).not.toHaveProperty('top_p');
		expect(sentBody(0).model).toBe('claude-sonnet-4-5');
	});

	test('stream, two parallel tool calls, their results, an image, JSON-schema output and a max-tokens stop', async () => {
		claude.reset();
		claude.enqueue({ kind: 'ok', toolUses: [{ id: 'toolu_01', name: 'get_weather', input: { city: 'Paris' } }, { id: 'toolu_02', name: 'get_weather', input: { city: 'Rome' } }] });
		const tools: OpenAI.ChatCompletionTool[] = [{ type: 'function', function: { name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } } } } }];
		const final = await openai().chat.completions.stream({ model: 'claude-sonnet-4-5', messages: [{ role: 'user', content: 'Paris and Rome?' }], tools }).finalChatCompletion();
		const calls = final.choices[0]!.message.tool_calls!;
		expect(final.choices[0]!.finish_reason).toBe('tool_calls');
		expect(calls.map((c) => (c.type === 'function' ? [c.id, JSON.parse(c.function.arguments)] : null))).toEqual([
			['toolu_01', { city: 'Paris' }],
			['toolu_02', { city: 'Rome' }]
		]);

		claude.enqueue({ kind: 'ok', text: 'Both sunny.' });
		await openai().chat.completions.create({
			model: 'claude-sonnet-4-5',
			tools,
			messages: [
				{ role: 'user', content: 'Paris and Rome?' },
				final.choices[0]!.message,
				{ role: 'tool', tool_call_id: 'toolu_01', content: 'sunny' },
				{ role: 'tool', tool_call_id: 'toolu_02', content: 'sunny' },
				{ role: 'user', content: [{ type: 'text', text: 'And this?' }, { type: 'image_url', image_url: { url: `data:image/png;base64,${PNG}` } }] }
			]
		});
		const turn = sentBody(1).messages[2]!.content as Array<Record<string, unknown>>;
		// Tool results first in the user turn, then the user's own text and image.
		expect(turn.map((b) => b.type)).toEqual(['tool_result', 'tool_result', 'text', 'image']);
		expect(turn[3]).toMatchObject({ source: { type: 'base64', media_type: 'image/png', data: PNG } });

		claude.enqueue({ kind: 'ok', text: '{"name":"Ada"}' }, { kind: 'ok', text: 'Once', stopReason: 'max_tokens' });
		const structured = await openai().chat.completions.create({
			model: 'claude-sonnet-4-5',
			messages: [{ role: 'user', content: 'A name' }],
			response_format: { type: 'json_schema', json_schema: { name: 'person', schema: { type: 'object', properties: { name: { type: 'string' } }, required: ['name'] } } }
		});
		expect(JSON.parse(structured.choices[0]!.message.content!)).toEqual({ name: 'Ada' });
		expect(JSON.stringify(sentBody(2))).toContain('"name"');
		const cut = await openai().chat.completions.create({ model: 'claude-sonnet-4-5', messages: [{ role: 'user', content: 'Story' }], max_tokens: 2 });
		expect(cut.choices[0]!.finish_reason).toBe('length');
		expect(sentBody(3).max_tokens).toBe(2);
	});

	test('an overloaded Claude (529) fails over to Gemini; the client sees plain success', async () => {
		claude.reset();
		gemini.reset();
		claude.enqueue(overloaded());
		gemini.enqueue({ kind: 'ok', text: 'Gemini stepped in.' });
		const done = await openai().chat.completions.create({ model: 'claude-fo', messages: [{ role: 'user', content: 'Anyone?' }] });
		expect(done.choices[0]!.message.content).toBe('Gemini stepped in.');
		expect(done.model).toBe('claude-fo');
		expect(claude.requests).toHaveLength(1);
		expect(gemini.requests[0]!.path).toBe('/v1beta/models/gemini-2.5-flash:generateContent');
	});
});

describe('Claude Code over an Anthropic channel (passthrough)', () => {
	test('cache_control, thinking signatures and the client beta header reach the upstream as sent', async () => {
		claude.reset();
		claude.enqueue({ kind: 'ok', text: 'Cached.' }, { kind: 'ok', text: 'Streamed.', thinking: [{ thinking: 'Hmm.', signature: 'sig-abc' }] });
		const request: Anthropic.MessageCreateParamsNonStreaming = {
			model: 'claude-sonnet-4-5',
			max_tokens: 2048,
			system: [{ type: 'text', text: 'Long system prompt.', cache_control: { type: 'ephemeral' } }],
			thinking: { type: 'enabled', budget_tokens: 1024 },
			messages: [
				{ role: 'user', content: 'First' },
				{ role: 'assistant', content: [{ type: 'thinking', thinking: 'Earlier thought.', signature: 'sig-earlier' }, { type: 'text', text: 'Answer' }] },
				{ role: 'user', content: [{ type: 'text', text: 'Second', cache_control: { type: 'ephemeral' } }] }
			]
		};
		const message = await anthropic().messages.create(request, { headers: { 'anthropic-beta': 'interleaved-thinking-2025-05-14' } });
		expect(message.content).toEqual([expect.objectContaining({ type: 'text', text: 'Cached.' })]);
		expect(message.model).toBe('claude-sonnet-4-5');
		const sent = claude.requests[0]!;
		expect(sent.headers['anthropic-beta']).toBe('interleaved-thinking-2025-05-14');
		expect(sent.body).toMatchObject({ system: request.system, thinking: request.thinking, messages: request.messages });

		const stream = anthropic().messages.stream({ ...request, messages: [{ role: 'user', content: 'Think' }] });
		const final = await stream.finalMessage();
		expect(final.content[0]).toMatchObject({ type: 'thinking', thinking: 'Hmm.', signature: 'sig-abc' });
		expect(final.content[1]).toMatchObject({ type: 'text', text: 'Streamed.' });
	});
});

describe('Codex over an Anthropic channel (/v1/responses)', () => {
	test('responses.create, non-stream and stream', async () => {
		claude.reset();
		claude.enqueue({ kind: 'ok', text: 'A response.' }, { kind: 'ok', text: 'A streamed response.', chunks: 3 });
		const response = await openai().responses.create({ model: 'claude-sonnet-4-5', instructions: 'Be brief.', input: 'Hello' });
		expect(response.output_text).toBe('A response.');
		expect(response.status).toBe('completed');
		expect(JSON.stringify(sentBody(0).system)).toContain('Be brief.');
		const events: string[] = [];
		let text = '';
		for await (const event of await openai().responses.create({ model: 'claude-sonnet-4-5', input: 'Stream it', stream: true })) {
			events.push(event.type);
			if (event.type === 'response.output_text.delta') text += event.delta;
		}
		expect(events[0]).toBe('response.created');
		expect(events.at(-1)).toBe('response.completed');
		expect(text).toBe('A streamed response.');
	});

	test('the books balance after every call of this file', async () => {
		await eventually(async () => expect((await db.sql`select count(*)::int as n from request_logs where user_id = ${userId}`)[0]!.n).toBeGreaterThanOrEqual(11));
		await expectBooksBalanceOnceDrained(db.sql, [server.url]);
	});
});
