import { afterAll, beforeAll, beforeEach, describe, expect, onTestFinished, test } from 'vitest';
import type { Door } from '../../src/lib/server/providers/types';
import { workersAiAdaptor } from '../../src/lib/server/providers/workers-ai';
import { channelState } from '../../src/lib/server/testing/channel-state';
import { sseDataOf } from '../../src/lib/server/testing/sse';
import { startMockWorkersAi, workersAiErrors, type MockWorkersAi } from './mock-workers-ai';

const ACCOUNT = 'fedcba9876543210fedcba9876543210';
const LLAMA = '@cf/meta/llama-3.1-8b-instruct';
let cf: MockWorkersAi;
beforeAll(async () => {
	cf = await startMockWorkersAi({ accountId: ACCOUNT, token: 'cf-t', models: [LLAMA, '@cf/baai/bge-m3'] });
});
afterAll(() => cf.close());
beforeEach(() => cf.reset());

type Json = Record<string, unknown>;
const messages = [{ role: 'user', content: 'hi' }];
const base = () => `${cf.url}/client/v4/accounts/${ACCOUNT}/ai`;

function post(url: string, body: unknown, token = 'cf-t') {
	return fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: JSON.stringify(body) });
}

/** The gateway's way: the adaptor builds the call, the mock answers, the adaptor reads it. */
async function viaAdaptor(body: Json, opts: { mode?: 'openai' | 'native'; door?: Door; clientWantsUsage?: boolean } = {}) {
	const stream = body.stream === true;
	const out = workersAiAdaptor.buildRequest({
		channel: channelState(1, { type: 'workers-ai', baseUrl: `${cf.url}/v1`, config: { accountId: ACCOUNT, mode: opts.mode ?? 'openai' } }),
		secret: 'cf-t',
		door: opts.door ?? 'chat',
		body,
		rawBody: JSON.stringify(body),
		upstreamModel: opts.door === 'embeddings' ? '@cf/baai/bge-m3' : LLAMA,
		stream
	});
	const res = await fetch(out.url, { method: 'POST', headers: out.headers, body: out.body });
	const text = await res.text();
	if (!res.ok) return { failure: workersAiAdaptor.classifyFailure(res.status, res.headers, text) };
	if (!stream) return { finished: workersAiAdaptor.finishResponse(opts.door ?? 'chat', text, 'llama') };
	const t = workersAiAdaptor.createStreamTranslator({ publicModel: 'llama', clientWantsUsage: opts.clientWantsUsage ?? false, door: 'chat' });
	return { streamed: (t.push(new TextEncoder().encode(text)) as string) + (t.end() as string), t };
}

describe('validation', () => {
	test('routes, account, token, model', async () => {
		const status = async (url: string, body: unknown, token?: string) => (await post(url, body, token)).status;
		expect(await status(`${base()}/v1/chat/completions`, { model: LLAMA, messages })).toBe(200);
		expect(await status(`${base()}/run/${LLAMA}`, { messages })).toBe(200);
		expect(await status(`${base()}/run/${encodeURIComponent(LLAMA)}`, { messages })).toBe(404);
		expect(await status(`${base()}/v1/responses`, { model: LLAMA, input: 'x' })).toBe(404);
		expect(await status(`${cf.url}/client/v4/accounts/${'0'.repeat(32)}/ai/run/${LLAMA}`, { messages })).toBe(404);
		const denied = await post(`${base()}/run/${LLAMA}`, { messages }, 'nope');
		expect(denied.status).toBe(401);
		expect(await denied.json()).toEqual({ success: false, errors: [{ code: 10000, message: 'Authentication error' }], result: null, messages: [] });
		const unknown = await post(`${base()}/run/@cf/meta/llama-9`, { messages });
		expect([unknown.status, ((await unknown.json()) as { errors: Json[] }).errors[0]!.code]).toEqual([400, 5007]);
	});

	test('native bodies need string content and no OpenAI-only fields', async () => {
		const status = async (body: unknown) => (await post(`${base()}/run/${LLAMA}`, body)).status;
		expect(await status({ messages: [{ role: 'user', content: [{ type: 'text', text: 'x' }] }] })).toBe(400);
		expect(await status({ messages, model: LLAMA })).toBe(400);
		expect(await status({ messages, max_tokens: 0 })).toBe(400);
		expect(await status({ messages: [] })).toBe(400);
		expect(await status({ messages, max_tokens: 64 })).toBe(200);
	});

	test("vision models take their own documented shapes: data-URL parts, an image byte field, a prompt with image bytes", async () => {
		// A mock that knows every model (the shared one lists only two).
		const all = await startMockWorkersAi({ accountId: ACCOUNT, token: 'cf-t' });
		onTestFinished(() => all.close());
		const run = (model: string) => `${all.url}/client/v4/accounts/${ACCOUNT}/ai/run/${model}`;
		const status = async (model: string, body: unknown) => (await post(run(model), body)).status;
		const parts = (url: string) => [{ role: 'user', content: [{ type: 'text', text: 'see' }, { type: 'image_url', image_url: { url } }] }];
		const scout = '@cf/meta/llama-4-scout-17b-16e-instruct';
		expect(await status(scout, { messages: parts('data:image/png;base64,iVBORw0KGgo=') })).toBe(200);
		expect(await status(scout, { messages: parts('https://img.example/cat.png') })).toBe(400);
		expect(await status(scout, { messages, image: [1, 2] })).toBe(400);
		const vision32 = '@cf/meta/llama-3.2-11b-vision-instruct';
		expect(await status(vision32, { messages, image: [137, 80, 78, 71] })).toBe(200);
		expect(await status(vision32, { messages, image: [300] })).toBe(400);
		expect(await status(vision32, { messages: parts('data:image/png;base64,iVBORw0KGgo=') })).toBe(400);
		const llava = '@cf/llava-hf/llava-1.5-7b-hf';
		const described = await post(run(llava), { prompt: 'Caption', image: [137, 80] });
		expect(await described.json()).toEqual({ result: { description: 'Hello from Workers AI.' }, success: true, errors: [], messages: [] });
		expect(await status(llava, { prompt: 'Caption' })).toBe(400);
		expect(await status(llava, { messages, image: [1] })).toBe(400);
		expect(await status(LLAMA, { messages, image: [1] })).toBe(400);
	});
});

describe('answers', () => {
	test('native envelope and native stream with padding, usage last', async () => {
		expect(await (await post(`${base()}/run/${LLAMA}`, { messages })).json()).toEqual({
			result: { response: 'Hello from Workers AI.', usage: { prompt_tokens: 11, completion_tokens: 4, total_tokens: 15 } },
			success: true,
			errors: [],
			messages: []
		});
		const events = sseDataOf(await (await post(`${base()}/run/${LLAMA}`, { messages, stream: true })).text());
		expect(events.at(-1)).toBe('[DONE]');
		expect(events.at(-2)).toEqual({ response: '', usage: { prompt_tokens: 11, completion_tokens: 4, total_tokens: 15 } });
		expect((events.slice(0, -2) as Json[]).every((e) => typeof e.p === 'string')).toBe(true);
	});

	test('scripted errors come in the envelope, in order', async () => {
		cf.enqueue(workersAiErrors.capacity(), workersAiErrors.dailyLimit(), { ...workersAiErrors.internal(503), headers: { 'retry-after': '2' } });
		const url = `${base()}/v1/chat/completions`;
		const first = await post(url, { model: LLAMA, messages });
		expect([first.status, ((await first.json()) as { errors: Json[] }).errors[0]!.code]).toEqual([429, 3040]);
		expect((await post(url, { model: LLAMA, messages })).status).toBe(429);
		const third = await post(url, { model: LLAMA, messages });
		expect([third.status, third.headers.get('retry-after')]).toEqual([503, '2']);
		expect((await post(url, { model: LLAMA, messages })).status).toBe(200);
	});
});

describe('through the adaptor', () => {
	test('compat mode: passthrough with the public model; stream with repeated roles cleaned up', async () => {
		const plain = await viaAdaptor({ model: 'llama', messages: [{ role: 'developer', content: 'x' }, ...messages] });
		expect(JSON.parse(plain.finished!.body)).toMatchObject({ model: 'llama', choices: [{ message: { content: 'Hello from Workers AI.' } }] });
		expect(cf.requests.at(-1)!.body).toMatchObject({ model: LLAMA, messages: [{ role: 'system', content: 'x' }, ...messages] });

		const streamed = await viaAdaptor({ model: 'llama', messages, stream: true }, { clientWantsUsage: true });
		expect(cf.requests.at(-1)!.body).toMatchObject({ stream_options: { include_usage: true } });
		const chunks = sseDataOf(streamed.streamed!).slice(0, -1) as Array<Json & { choices: Array<{ delta: Json }> }>;
		expect(chunks.filter((c) => c.choices[0]?.delta.role).length).toBe(1);
		expect(streamed.t!.usage()).toMatchObject({ inputUncached: 11, output: 4 });
	});

	test('native mode: converted request, envelope and stream back to OpenAI', async () => {
		cf.enqueue({ kind: 'ok', toolCalls: [{ name: 'get_weather', arguments: { city: 'Paris' } }] });
		const tools = await viaAdaptor({ model: 'llama', messages: [{ role: 'user', content: [{ type: 'text', text: 'weather?' }] }], tools: [{ type: 'function', function: { name: 'get_weather', parameters: { type: 'object' } } }] }, { mode: 'native' });
		expect(cf.requests.at(-1)!.path).toBe(`/client/v4/accounts/${ACCOUNT}/ai/run/${LLAMA}`);
		expect(cf.requests.at(-1)!.body).toMatchObject({ messages: [{ role: 'user', content: 'weather?' }], max_tokens: 2048 });
		expect(JSON.parse(tools.finished!.body)).toMatchObject({ choices: [{ finish_reason: 'tool_calls', message: { tool_calls: [{ function: { name: 'get_weather', arguments: '{"city":"Paris"}' } }] } }] });

		const streamed = await viaAdaptor({ model: 'llama', messages, stream: true, max_tokens: 100 }, { mode: 'native', clientWantsUsage: true });
		const events = sseDataOf(streamed.streamed!);
		expect(events.at(-1)).toBe('[DONE]');
		const text = (events.slice(0, -1) as Array<{ choices: Array<{ delta: { content?: string } }> }>).map((c) => c.choices[0]?.delta.content ?? '').join('');
		expect(text).toBe('Hello from Workers AI.');
		expect(streamed.t!.usage()).toMatchObject({ output: 4 });
	});

	test('native route answering OpenAI-shaped (newer models), both ways', async () => {
		cf.enqueue({ kind: 'ok', openaiShaped: true }, { kind: 'ok', openaiShaped: true });
		const plain = await viaAdaptor({ model: 'llama', messages }, { mode: 'native' });
		expect(JSON.parse(plain.finished!.body)).toMatchObject({ model: 'llama', choices: [{ message: { content: 'Hello from Workers AI.' } }] });
		const streamed = await viaAdaptor({ model: 'llama', messages, stream: true }, { mode: 'native' });
		expect(streamed.streamed).toContain('"finish_reason":"stop"');
		expect(streamed.t!.done()).toBe(true);
	});

	test('embeddings always use the compat endpoint; failures classify', async () => {
		const e = await viaAdaptor({ model: 'embed', input: ['a'] }, { door: 'embeddings', mode: 'native' });
		expect(cf.requests.at(-1)!.path).toBe(`/client/v4/accounts/${ACCOUNT}/ai/v1/embeddings`);
		expect(JSON.parse(e.finished!.body)).toMatchObject({ model: 'llama', data: [expect.any(Object)] });
		cf.enqueue(workersAiErrors.capacity(), workersAiErrors.dailyLimit(), workersAiErrors.noSuchModel(), workersAiErrors.badToken());
		const kinds = [];
		for (let i = 0; i < 4; i++) kinds.push((await viaAdaptor({ model: 'llama', messages }, { mode: 'native' })).failure?.kind);
		expect(kinds).toEqual(['cool', 'bad-key', 'model-unavailable', 'bad-key']);
	});
});
