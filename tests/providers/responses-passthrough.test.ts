import OpenAI from 'openai';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { ApiClient } from '../harness/api-client';
import { expectBooksBalanceOnceDrained } from '../harness/books';
import { freshDatabase, type TestDatabase } from '../harness/database';
import { eventually } from '../harness/eventually';
import { TEST_SECRET_KEY } from '../harness/fixtures';
import { startMockResponses, type MockResponses } from '../harness/mock-responses';
import { startServer, type TestServer } from '../harness/server';

// /v1/responses in front of an upstream that serves /responses itself: passed through as sent.
const ADMIN_TOKEN = 'responses-admin-token-0123456789abcdef';

let db: TestDatabase;
let server: TestServer;
let upstream: MockResponses;
let key: string;
let userId: number;

beforeAll(async () => {
	db = await freshDatabase();
	upstream = await startMockResponses();
	server = await startServer({ env: { DATABASE_URL: db.url, ELYGATE_SECRET_KEY: TEST_SECRET_KEY, ELYGATE_ADMIN_TOKEN: ADMIN_TOKEN } });
	const admin = new ApiClient(server.url, { bearer: ADMIN_TOKEN });
	const channel = await admin.post('/api/channels', { type: 'openai', name: 'openai', baseUrl: `${upstream.url}/v1`, models: ['gpt-5'], modelMapping: { 'gpt-5': 'gpt-5-2025-08-07' }, keys: ['sk-upstream-responses'], config: { responsesApi: true } });
	expect(channel.status, JSON.stringify(channel.body)).toBe(201);
	expect((await admin.post('/api/prices', { model: 'gpt-5', modelRatio: 1, completionRatio: 8, cacheReadRatio: 0.1 })).status).toBe(200);
	const user = await admin.post('/api/users', { username: 'codex-user', password: 'codex-user-pw', quota: 10_000_000 });
	userId = user.body.id;
	key = (await admin.post('/api/keys', { name: 'k', userId })).body.key;
});

afterAll(async () => {
	await server?.stop();
	await upstream?.close();
	await db?.drop();
});

const openai = () => new OpenAI({ baseURL: `${server.url}/v1`, apiKey: key, maxRetries: 0, timeout: 15_000 });

test('non-stream: the body goes up as sent (reasoning settings included), the answer comes back under the public model, usage billed', async () => {
	upstream.enqueue({ kind: 'ok', content: 'Passed through.', usage: { input_tokens: 100, cached_tokens: 60, output_tokens: 10, reasoning_tokens: 4 } });
	const { data, response } = await openai()
		.responses.create({ model: 'gpt-5', input: 'Hi', reasoning: { effort: 'high', summary: 'auto' }, include: ['reasoning.encrypted_content'], store: false, max_output_tokens: 2000 })
		.withResponse();
	expect(data.output_text).toBe('Passed through.');
	expect(data.model).toBe('gpt-5');
	expect(upstream.requests[0]).toMatchObject({ path: '/v1/responses', headers: { authorization: 'Bearer sk-upstream-responses' } });
	expect(upstream.requests[0]!.body).toEqual({
		model: 'gpt-5-2025-08-07',
		input: 'Hi',
		reasoning: { effort: 'high', summary: 'auto' },
		include: ['reasoning.encrypted_content'],
		store: false,
		max_output_tokens: 2000
	});
	// 40 uncached + 60 cached × 0.1 + 10 output × 8 = 126 quota.
	await eventually(async () => {
		const [row] = await db.sql`select cost::int8 as cost, door, cache_read_tokens::int, reasoning_tokens::int from request_logs where request_id = ${response.headers.get('x-request-id')}`;
		expect(row).toEqual({ cost: '126', door: 'responses', cache_read_tokens: 60, reasoning_tokens: 4 });
	});
});

test('stream: the upstream events pass through in order', async () => {
	upstream.enqueue({ kind: 'ok', content: 'Streamed through.', chunks: 3 });
	const events: string[] = [];
	let text = '';
	for await (const event of await openai().responses.create({ model: 'gpt-5', input: 'Stream', stream: true })) {
		events.push(event.type);
		if (event.type === 'response.output_text.delta') text += event.delta;
		if (event.type === 'response.completed') expect(event.response.model).toBe('gpt-5');
	}
	expect(events[0]).toBe('response.created');
	expect(events.at(-1)).toBe('response.completed');
	expect(text).toBe('Streamed through.');
	expect(upstream.requests.at(-1)!.body).toMatchObject({ stream: true });
	expect(upstream.requests.at(-1)!.body).not.toHaveProperty('stream_options');
	await expectBooksBalanceOnceDrained(db.sql, [server.url]);
	const rows = await db.sql`select count(*)::int as n from request_logs where user_id = ${userId} and status = 200`;
	expect(rows[0]!.n).toBe(2);
});
