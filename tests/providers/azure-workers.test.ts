import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ApiClient } from '../harness/api-client';
import { expectBooksBalanceOnceDrained } from '../harness/books';
import { freshDatabase, type TestDatabase } from '../harness/database';
import { eventually } from '../harness/eventually';
import { TEST_SECRET_KEY, TINY_PNG } from '../harness/fixtures';
import { azureErrors, startMockAzure, type MockAzure } from '../harness/mock-azure';
import { startMockWorkersAi, type MockWorkersAi } from '../harness/mock-workers-ai';
import { startServer, type TestServer } from '../harness/server';

// Azure OpenAI and Cloudflare Workers AI channels end to end, with the openai package.
const ADMIN_TOKEN = 'azure-admin-token-0123456789abcdef';
const AZURE_KEY = 'azure-upstream-key-0001';
const ACCOUNT = '0123456789abcdef0123456789abcdef';
const CF_TOKEN = 'cf-upstream-token-0001';

let db: TestDatabase;
let server: TestServer;
let azure: MockAzure;
let cf: MockWorkersAi;
let admin: ApiClient;
let key: string;
let userId: number;
/** An allow-listed image server, for image URLs the gateway must download. */
let images: ReturnType<typeof Bun.serve>;

const SCOUT = '@cf/meta/llama-4-scout-17b-16e-instruct';
const LLAMA_VISION = '@cf/meta/llama-3.2-11b-vision-instruct';
const LLAVA = '@cf/llava-hf/llava-1.5-7b-hf';

beforeAll(async () => {
	db = await freshDatabase();
	azure = await startMockAzure({ apiKey: AZURE_KEY, deployments: ['prod-4o', 'prod-o3'] });
	cf = await startMockWorkersAi({ accountId: ACCOUNT, token: CF_TOKEN });
	images = Bun.serve({ port: 0, hostname: '127.0.0.1', fetch: () => new Response(TINY_PNG, { headers: { 'content-type': 'image/png' } }) });
	server = await startServer({ env: { DATABASE_URL: db.url, ELYGATE_SECRET_KEY: TEST_SECRET_KEY, ELYGATE_ADMIN_TOKEN: ADMIN_TOKEN } });
	admin = new ApiClient(server.url, { bearer: ADMIN_TOKEN });
	const channels = [
		{ type: 'azure', name: 'azure', baseUrl: azure.url, models: ['gpt-4o', 'o3', 'az-fo'], keys: [AZURE_KEY], priority: 10, config: { apiVersion: '2024-10-21', deployments: { 'gpt-4o': 'prod-4o', 'az-fo': 'prod-4o', o3: 'prod-o3' } } },
		{ type: 'workers-ai', name: 'workers native', baseUrl: cf.url, models: ['llama', 'az-fo'], modelMapping: { llama: '@cf/meta/llama-3.1-8b-instruct', 'az-fo': '@cf/meta/llama-3.1-8b-instruct' }, keys: [CF_TOKEN], priority: 0, config: { accountId: ACCOUNT, mode: 'native' } },
		{ type: 'workers-ai', name: 'workers vision', baseUrl: cf.url, models: ['scout', 'llama-vision', 'llava'], modelMapping: { scout: SCOUT, 'llama-vision': LLAMA_VISION, llava: LLAVA }, keys: [CF_TOKEN], priority: 0, config: { accountId: ACCOUNT, mode: 'native' } }
	];
	for (const channel of channels) {
		const res = await admin.post('/api/channels', channel);
		expect(res.status, JSON.stringify(res.body)).toBe(201);
	}
	expect((await admin.patch('/api/options', { 'relay.image_fetch_allow_hosts': [`127.0.0.1:${images.port}`] })).status).toBe(200);
	for (const model of ['gpt-4o', 'o3', 'az-fo', 'llama', 'scout', 'llama-vision', 'llava']) expect((await admin.post('/api/prices', { model, modelRatio: 1, completionRatio: 2 })).status).toBe(200);
	const user = await admin.post('/api/users', { username: 'azure-user', password: 'azure-user-pw', quota: 10_000_000 });
	userId = user.body.id;
	key = (await admin.post('/api/keys', { name: 'k', userId })).body.key;
});

afterAll(async () => {
	await server?.stop();
	await azure?.close();
	await cf?.close();
	images?.stop(true);
	await db?.drop();
});

const openai = () => new OpenAI({ baseURL: `${server.url}/v1`, apiKey: key, maxRetries: 0, timeout: 15_000 });

describe('Azure OpenAI', () => {
	test('deployment URL, api-key header, public model name back; the stream loses the filter-only chunk', async () => {
		azure.reset();
		azure.enqueue({ kind: 'ok', content: 'Hi from Azure.' }, { kind: 'ok', content: 'Streamed from Azure.', chunks: 3, asyncFilter: true });
		const done = await openai().chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'Hi' }] });
		expect(done).toMatchObject({ model: 'gpt-4o', choices: [{ message: { content: 'Hi from Azure.' } }] });
		expect(azure.requests[0]!.path).toBe('/openai/deployments/prod-4o/chat/completions?api-version=2024-10-21');
		expect(azure.requests[0]!.headers['api-key']).toBe(AZURE_KEY);
		const chunks = [];
		for await (const c of await openai().chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'Stream' }], stream: true })) chunks.push(c);
		expect(chunks[0]!.choices[0]!.delta.role).toBe('assistant');
		expect(chunks.every((c) => c.choices.length === 1 && c.model === 'gpt-4o')).toBe(true);
		expect(chunks.map((c) => c.choices[0]!.delta.content ?? '').join('')).toBe('Streamed from Azure.');
	});

	test('a reasoning deployment gets max_completion_tokens and no temperature; a content filter refusal reaches the client as 400', async () => {
		azure.reset();
		azure.enqueue({ kind: 'ok', content: 'Thought about it.' }, azureErrors.contentFilter());
		await openai().chat.completions.create({ model: 'o3', messages: [{ role: 'user', content: 'Think' }], max_tokens: 50, temperature: 0.7 });
		expect(azure.requests[0]!.body).toMatchObject({ max_completion_tokens: 50 });
		expect(azure.requests[0]!.body).not.toHaveProperty('temperature');
		expect(azure.requests[0]!.body).not.toHaveProperty('max_tokens');
		await expect(openai().chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'Something filtered' }] })).rejects.toMatchObject({ status: 400, code: 'content_filter' });
	});

	test('two parallel tool calls pass through; cached and reasoning tokens are billed at their ratios', async () => {
		azure.reset();
		azure.enqueue({
			kind: 'ok',
			toolCalls: [
				{ id: 'call_1', name: 'get_weather', arguments: '{"city":"Paris"}' },
				{ id: 'call_2', name: 'get_weather', arguments: '{"city":"Rome"}' }
			],
			usage: { prompt_tokens: 1000, completion_tokens: 100, cached_tokens: 800, reasoning_tokens: 60 }
		});
		const { data, response } = await openai()
			.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'Paris and Rome?' }], tools: [{ type: 'function', function: { name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } } } } }] })
			.withResponse();
		expect(data.choices[0]!.message.tool_calls?.map((c) => c.id)).toEqual(['call_1', 'call_2']);
		// No cache ratio set for gpt-4o here: cached input bills at the input price. 1000 + 100 × 2 = 1200.
		await eventually(async () => {
			const [row] = await db.sql`select cost::int8 as cost, cache_read_tokens::int, reasoning_tokens::int from request_logs where request_id = ${response.headers.get('x-request-id')}`;
			expect(row).toEqual({ cost: '1200', cache_read_tokens: 800, reasoning_tokens: 60 });
		});
	});

	test('a rate-limited Azure fails over to Workers AI; the client sees plain success', async () => {
		azure.reset();
		cf.reset();
		azure.enqueue(azureErrors.rateLimited(5));
		cf.enqueue({ kind: 'ok', content: 'Workers stepped in.' });
		const done = await openai().chat.completions.create({ model: 'az-fo', messages: [{ role: 'user', content: 'Anyone?' }] });
		expect(done.choices[0]!.message.content).toBe('Workers stepped in.');
		expect(cf.requests[0]!.path).toBe(`/client/v4/accounts/${ACCOUNT}/ai/run/@cf/meta/llama-3.1-8b-instruct`);
	});
});

describe('Workers AI (native)', () => {
	test('non-stream and stream through the native envelope; a max-tokens stop is inferred', async () => {
		cf.reset();
		cf.enqueue({ kind: 'ok', content: 'Native hello.' }, { kind: 'ok', content: 'Native stream.', chunks: 3 }, { kind: 'ok', content: 'Cut', usage: { prompt_tokens: 5, completion_tokens: 2 } });
		const done = await openai().chat.completions.create({ model: 'llama', messages: [{ role: 'system', content: 'Brief.' }, { role: 'user', content: 'Hi' }] });
		expect(done.choices[0]).toMatchObject({ message: { content: 'Native hello.' }, finish_reason: 'stop' });
		expect(cf.requests[0]!.headers.authorization).toBe(`Bearer ${CF_TOKEN}`);
		expect(cf.requests[0]!.body).toMatchObject({ messages: [{ role: 'system', content: 'Brief.' }, { role: 'user', content: 'Hi' }] });
		const text = [];
		for await (const c of await openai().chat.completions.create({ model: 'llama', messages: [{ role: 'user', content: 'Stream' }], stream: true })) text.push(c.choices[0]?.delta.content ?? '');
		expect(text.join('')).toBe('Native stream.');
		const cut = await openai().chat.completions.create({ model: 'llama', messages: [{ role: 'user', content: 'Long story' }], max_tokens: 2 });
		expect(cut.choices[0]!.finish_reason).toBe('length');
		expect(cf.requests[2]!.body).toMatchObject({ max_tokens: 2 });
	});

	test('images reach each vision model in its own shape, as bytes: data-URL parts, an image field, a prompt with the image', async () => {
		cf.reset();
		cf.enqueue({ kind: 'ok', content: 'A white pixel.' }, { kind: 'ok', content: 'One pixel.' }, { kind: 'ok', content: ' a tiny image' });
		const png = TINY_PNG.toString('base64');
		const ask = (model: string, url: string) =>
			openai().chat.completions.create({ model, messages: [{ role: 'user', content: [{ type: 'text', text: 'What is in this image?' }, { type: 'image_url', image_url: { url } }] }] });

		// An http URL is downloaded (the models take no URLs) and sent as a data URL part.
		const scout = await ask('scout', `http://127.0.0.1:${images.port}/pixel.png`);
		expect(scout.choices[0]!.message.content).toBe('A white pixel.');
		expect(cf.requests[0]!.path).toBe(`/client/v4/accounts/${ACCOUNT}/ai/run/${SCOUT}`);
		expect(cf.requests[0]!.body).toMatchObject({
			messages: [{ role: 'user', content: [{ type: 'text', text: 'What is in this image?' }, { type: 'image_url', image_url: { url: `data:image/png;base64,${png}` } }] }]
		});

		await ask('llama-vision', `data:image/png;base64,${png}`);
		expect(cf.requests[1]!.body).toMatchObject({ messages: [{ role: 'user', content: 'What is in this image?' }], image: [...TINY_PNG] });

		const llava = await ask('llava', `data:image/png;base64,${png}`);
		expect(llava.choices[0]!.message.content).toBe(' a tiny image');
		// No limit was asked for: the call carries the one its reservation covers (the default reserve).
		expect(cf.requests[2]!.body).toEqual({ prompt: 'What is in this image?', image: [...TINY_PNG], max_tokens: 4096 });
	});

	test('a part the model cannot take is an OpenAI-shaped 400 naming it, and Workers AI receives nothing', async () => {
		cf.reset();
		const refused = async (model: string, content: OpenAI.Chat.ChatCompletionContentPart[]) => {
			const err = await openai()
				.chat.completions.create({ model, messages: [{ role: 'user', content }] })
				.then(() => undefined, (e: unknown) => e);
			expect(err).toBeInstanceOf(OpenAI.BadRequestError);
			const bad = err as InstanceType<typeof OpenAI.BadRequestError>;
			ids.push(bad.headers.get('x-request-id') ?? '');
			return bad.error as Record<string, unknown>;
		};
		const ids: string[] = [];
		const image = { type: 'image_url' as const, image_url: { url: `data:image/png;base64,${TINY_PNG.toString('base64')}` } };
		expect(await refused('llama', [{ type: 'text', text: 'What is in this image?' }, image])).toMatchObject({
			message: expect.stringContaining("messages[0].content[1]: content part type 'image_url' cannot be sent: this model takes no image input"),
			type: 'invalid_request_error'
		});
		expect(await refused('scout', [{ type: 'input_audio', input_audio: { data: 'UklGRg==', format: 'wav' } }])).toMatchObject({ message: expect.stringContaining('take no audio input') });
		expect(await refused('llama-vision', [image, image])).toMatchObject({ message: expect.stringContaining('one image per request') });
		expect(cf.requests).toHaveLength(0);
		await eventually(async () => {
			const rows = await db.sql`select cost::int8 as cost from request_logs where request_id in ${db.sql(ids)}`;
			expect(rows.map((r) => r.cost)).toEqual(['0', '0', '0']);
		});
	});

	test('the books balance after every call of this file', async () => {
		await eventually(async () => expect((await db.sql`select count(*)::int as n from request_logs where user_id = ${userId}`)[0]!.n).toBeGreaterThanOrEqual(8));
		await expectBooksBalanceOnceDrained(db.sql, [server.url]);
	});
});
