import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { channelState } from '../../testing/channel-state';
import { feedTranslator, sseDataOf } from '../../testing/sse';
import type { ChatRequest } from '../../protocol/canonical';
import type { Door } from '../types';
import { workersAiAdaptor } from '.';
import { classifyWorkersAiFailure } from './errors';
import { UpstreamRequestError } from '../../protocol/errors';
import { modelPath } from './request';
import { finishWorkersAiResponse } from './response';
import { createWorkersAiStreamTranslator } from './stream';

const fixture = (name: string) => readFileSync(join(import.meta.dirname, 'fixtures', name), 'utf8');

type Json = Record<string, unknown>;
type ChatCompletionLike = { choices: Array<{ message: { content: string | null } }> };
const ACCOUNT = '0123456789abcdef0123456789abcdef';
const LLAMA = '@cf/meta/llama-3.1-8b-instruct';

function build(body: Json, opts: { mode?: 'openai' | 'native'; door?: Door; stream?: boolean; upstreamModel?: string } = {}) {
	const out = workersAiAdaptor.buildRequest({
		channel: channelState(1, { type: 'workers-ai', baseUrl: 'https://api.cloudflare.com/v1', config: { accountId: ACCOUNT, mode: opts.mode ?? 'openai' } }),
		secret: 'cf-token',
		door: opts.door ?? 'chat',
		body,
		rawBody: JSON.stringify(body),
		upstreamModel: opts.upstreamModel ?? LLAMA,
		stream: opts.stream ?? body.stream === true
	});
	return { ...out, json: JSON.parse(out.body) as Json };
}

const chat = (extra: Partial<ChatRequest> = {}): ChatRequest => ({ model: 'llama', messages: [{ role: 'user', content: 'hi' }], ...extra });

describe('config', () => {
	test('account id is required and 32 hex; mode defaults to openai', () => {
		expect(workersAiAdaptor.configSchema.parse({ accountId: ACCOUNT })).toEqual({ accountId: ACCOUNT, mode: 'openai' });
		expect(workersAiAdaptor.configSchema.safeParse({}).success).toBe(false);
		expect(workersAiAdaptor.configSchema.safeParse({ accountId: 'abc' }).success).toBe(false);
		expect(workersAiAdaptor.configSchema.safeParse({ accountId: ACCOUNT, mode: 'raw' }).success).toBe(false);
	});

	test('native: chat passes through only in openai mode; embeddings always', () => {
		const ch = (mode: string) => channelState(1, { config: { accountId: ACCOUNT, mode } });
		expect(workersAiAdaptor.native('chat', ch('openai'))).toBe(true);
		expect(workersAiAdaptor.native('chat', ch('native'))).toBe(false);
		expect(workersAiAdaptor.native('embeddings', ch('native'))).toBe(true);
		expect(workersAiAdaptor.supports('completions')).toBe(false);
	});
});

describe('URLs and headers', () => {
	test('compat chat and embeddings on the channel host, Bearer token', () => {
		const out = build(chat() as Json);
		expect(out.url).toBe(`https://api.cloudflare.com/client/v4/accounts/${ACCOUNT}/ai/v1/chat/completions`);
		expect(out.headers).toEqual({ 'content-type': 'application/json', accept: 'application/json', authorization: 'Bearer cf-token' });
		expect(build({ model: 'e', input: 'x' }, { door: 'embeddings', mode: 'native', upstreamModel: '@cf/baai/bge-m3' }).url).toBe(
			`https://api.cloudflare.com/client/v4/accounts/${ACCOUNT}/ai/v1/embeddings`
		);
	});

	test('native: the model in the path, @ and / as they are', () => {
		expect(build(chat() as Json, { mode: 'native' }).url).toBe(`https://api.cloudflare.com/client/v4/accounts/${ACCOUNT}/ai/run/${LLAMA}`);
		expect(modelPath('@hf/thebloke/zephyr-7b-beta-awq')).toBe('@hf/thebloke/zephyr-7b-beta-awq');
		expect(modelPath('@cf/../../x?y#z')).toBe('@cf/%2E%2E/%2E%2E/x%3Fy%23z');
	});

	test('a test host (the mock) keeps only its origin', () => {
		const out = workersAiAdaptor.buildRequest({
			channel: channelState(1, { baseUrl: 'http://127.0.0.1:4010/v1', config: { accountId: ACCOUNT } }),
			secret: 's',
			door: 'chat',
			body: chat() as Json,
			rawBody: '',
			upstreamModel: LLAMA,
			stream: false
		});
		expect(out.url).toBe(`http://127.0.0.1:4010/client/v4/accounts/${ACCOUNT}/ai/v1/chat/completions`);
	});
});

describe('compat request', () => {
	test('golden 2: roles keep their positions; developer is sent as system; text-only arrays are joined', () => {
		const messages = [
			{ role: 'system', content: 'sys' },
			{ role: 'developer', content: 'dev' },
			{ role: 'user', content: 'a' },
			{ role: 'user', content: [{ type: 'text', text: 'b1' }, { type: 'text', text: 'b2' }] },
			{ role: 'system', content: 'mid' },
			{ role: 'user', content: [{ type: 'text', text: 'look' }, { type: 'image_url', image_url: { url: 'https://x/y.png' } }] }
		];
		const out = build({ model: 'llama', messages, temperature: 0.3 }).json;
		expect(out).toEqual({
			model: LLAMA,
			temperature: 0.3,
			messages: [
				{ role: 'system', content: 'sys' },
				{ role: 'system', content: 'dev' },
				{ role: 'user', content: 'a' },
				{ role: 'user', content: 'b1\nb2' },
				{ role: 'system', content: 'mid' },
				messages[5]
			]
		});
	});

	test('a body the compatible endpoint takes as it is goes upstream byte for byte', () => {
		const body = { model: LLAMA, messages: [{ role: 'system', content: 'sys' }, { role: 'user', content: [{ type: 'image_url', image_url: { url: 'https://x/y.png' } }] }] };
		const raw = JSON.stringify(body, null, 1);
		const send = (door: Door, b: Json) =>
			workersAiAdaptor.buildRequest({
				channel: channelState(1, { baseUrl: 'https://api.cloudflare.com', config: { accountId: ACCOUNT } }),
				secret: 's',
				door,
				body: b,
				rawBody: raw,
				upstreamModel: LLAMA,
				stream: false
			}).body;
		expect(send('chat', body)).toBe(raw);
		expect(send('embeddings', { model: LLAMA, input: 'x' })).toBe(raw);
	});

	test("the client's body is not changed by the rewrite; stream options it set are kept", () => {
		const messages = [{ role: 'developer', content: 'dev' }];
		const out = build({ model: 'llama', messages, stream: true, stream_options: { continuous_usage_stats: true } });
		expect(out.json).toEqual({ model: LLAMA, messages: [{ role: 'system', content: 'dev' }], stream: true, stream_options: { continuous_usage_stats: true, include_usage: true } });
		expect(messages).toEqual([{ role: 'developer', content: 'dev' }]);
	});

	test('streams ask for usage', () => {
		const out = build({ ...(chat() as Json), stream: true });
		expect(out.json.stream_options).toEqual({ include_usage: true });
		expect(out.headers.accept).toBe('text/event-stream');
	});
});

describe('native request (docs/providers/workers-ai.md, "Request mapping")', () => {
	test('string content, system for developer, tool turns, max_tokens always set, unsupported fields dropped', () => {
		const req = chat({
			messages: [
				{ role: 'developer', content: 'be brief' },
				{ role: 'user', content: [{ type: 'text', text: 'weather?' }, { type: 'text', text: 'Paris and Rome' }] },
				{
					role: 'assistant',
					content: null,
					tool_calls: [
						{ id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } },
						{ id: 'call_2', type: 'function', function: { name: 'get_weather', arguments: '' } }
					]
				},
				{ role: 'tool', tool_call_id: 'call_1', content: [{ type: 'text', text: 'sunny' }] },
				{ role: 'tool', tool_call_id: 'call_2', content: 'rain' }
			],
			temperature: 0.6,
			top_p: 0.9,
			top_k: 40,
			seed: 1,
			n: 2,
			stop: ['x'],
			logprobs: true,
			user: 'u',
			tool_choice: 'auto',
			tools: [{ type: 'function', function: { name: 'get_weather', description: 'Weather', parameters: { type: 'object', properties: { city: { type: 'string' } } }, strict: true } }],
			response_format: { type: 'json_schema', json_schema: { name: 'w', schema: { type: 'object' } } }
		});
		const out = build(req as Json, { mode: 'native', stream: true }).json;
		expect(out).toEqual({
			messages: [
				{ role: 'system', content: 'be brief' },
				{ role: 'user', content: 'weather?\nParis and Rome' },
				{
					role: 'assistant',
					content: '',
					tool_calls: [
						{ id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } },
						{ id: 'call_2', type: 'function', function: { name: 'get_weather', arguments: '{}' } }
					]
				},
				{ role: 'tool', content: 'sunny', tool_call_id: 'call_1', name: 'get_weather' },
				{ role: 'tool', content: 'rain', tool_call_id: 'call_2', name: 'get_weather' }
			],
			stream: true,
			max_tokens: 2048,
			temperature: 0.6,
			top_p: 0.9,
			top_k: 40,
			seed: 1,
			tools: [{ type: 'function', function: { name: 'get_weather', description: 'Weather', parameters: { type: 'object', properties: { city: { type: 'string' } } } } }],
			response_format: { type: 'json_schema', json_schema: { type: 'object' } }
		});
	});

	test('max_completion_tokens wins over max_tokens; a non-stream request has no stream field', () => {
		const out = build(chat({ max_tokens: 50, max_completion_tokens: 20 }) as Json, { mode: 'native' }).json;
		expect(out.max_tokens).toBe(20);
		expect(out).not.toHaveProperty('stream');
	});
});

describe('native images and uncarriable parts (docs/providers/workers-ai.md)', () => {
	const native = (body: Json, upstreamModel: string, stream = false) => build(body, { mode: 'native', upstreamModel, stream }).json;
	const json = (name: string) => JSON.parse(fixture(name)) as Json;

	test("'image-parts' models (Llama 4 Scout, Gemma 3, Mistral Small 3.1) get OpenAI image parts as base64 data URLs, in place", () => {
		for (const model of ['@cf/meta/llama-4-scout-17b-16e-instruct', '@cf/google/gemma-3-12b-it', '@cf/mistralai/mistral-small-3.1-24b-instruct']) {
			expect(native(json('request-images.json'), model)).toEqual(json('request-images.image-parts.json'));
		}
	});

	test("the 'image-field' model (Llama 3.2 Vision) gets text messages and its one image as bytes", () => {
		expect(native(json('request-one-image.json'), '@cf/meta/llama-3.2-11b-vision-instruct')).toEqual(json('request-one-image.image-field.json'));
	});

	test("'image-to-text' models (LLaVA, UForm) get a prompt and the image as bytes, and answer in description", () => {
		for (const model of ['@cf/llava-hf/llava-1.5-7b-hf', '@cf/unum/uform-gen2-qwen-500m']) {
			expect(native(json('request-one-image.json'), model)).toEqual(json('request-one-image.image-to-text.json'));
		}
		const finished = workersAiAdaptor.finishResponse('chat', fixture('native-description.json'), 'llava');
		expect((JSON.parse(finished.body) as ChatCompletionLike).choices[0]!.message.content).toBe(' A small square of blue.');
		expect(finished.outputText).toBe(' A small square of blue.');
	});

	test.each(JSON.parse(fixture('refused-parts.json')) as Array<{ shows: string; model: string; messages: unknown[]; error: string }>)('refused with a 400 naming the part: $shows', ({ model, messages, error }) => {
		let thrown: unknown;
		try {
			native({ model: 'm', messages }, model);
		} catch (err) {
			thrown = err;
		}
		expect(thrown).toBeInstanceOf(UpstreamRequestError);
		expect((thrown as Error).message).toContain(error);
	});

	test('the channel test of an image-to-text model sends an image (the model needs one); other models get text', () => {
		const llava = '@cf/llava-hf/llava-1.5-7b-hf';
		const body = native(workersAiAdaptor.testBody('chat', llava), llava);
		expect(body).toMatchObject({ prompt: 'ping', max_tokens: 1 });
		expect(Buffer.from(body.image as number[]).subarray(1, 4).toString()).toBe('PNG');
		expect(workersAiAdaptor.testBody('chat', LLAMA)).toEqual({ model: LLAMA, messages: [{ role: 'user', content: 'ping' }], max_tokens: 1 });
	});

	test('image-to-text models neither stream nor call tools', () => {
		const one = json('request-one-image.json');
		expect(() => native(one, '@cf/llava-hf/llava-1.5-7b-hf', true)).toThrow(/does not stream/);
		expect(() => native({ ...one, tools: [{ type: 'function', function: { name: 'f' } }] }, '@cf/llava-hf/llava-1.5-7b-hf')).toThrow(/cannot call tools/);
	});

	test('an assistant refusal part is kept as text; an empty content array sends an empty string', () => {
		const out = native({ model: 'm', messages: [{ role: 'user', content: [] }, { role: 'assistant', content: [{ type: 'refusal', refusal: 'I cannot help.' }] }] }, LLAMA);
		expect(out.messages).toEqual([
			{ role: 'user', content: '' },
			{ role: 'assistant', content: 'I cannot help.' }
		]);
	});

	test('prepare downloads remote images once so the models get bytes; data URLs are left alone', async () => {
		const seen: string[] = [];
		const body: ChatRequest = {
			model: 'vision',
			messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: 'https://img.example/cat.png' } }, { type: 'image_url', image_url: { url: 'data:image/gif;base64,R0lG' } }] }]
		};
		const prepared = await workersAiAdaptor.prepare!(body, async (url) => {
			seen.push(url);
			return { mediaType: 'image/png', base64: 'iVBORw0KGgo=' };
		});
		expect(seen).toEqual(['https://img.example/cat.png']);
		expect(native(prepared as Json, '@cf/meta/llama-4-scout-17b-16e-instruct').messages).toEqual([
			{
				role: 'user',
				content: [
					{ type: 'image_url', image_url: { url: 'data:image/png;base64,iVBORw0KGgo=' } },
					{ type: 'image_url', image_url: { url: 'data:image/gif;base64,R0lG' } }
				]
			}
		]);
	});
});

describe('non-stream response', () => {
	test('golden 1 and 12: the native envelope becomes a chat.completion with exact usage', () => {
		const finished = workersAiAdaptor.finishResponse('chat', fixture('native-response.json'), 'llama');
		const body = JSON.parse(finished.body) as Json;
		expect(body).toEqual({
			id: expect.stringMatching(/^chatcmpl-/),
			object: 'chat.completion',
			created: expect.any(Number),
			model: 'llama',
			choices: [{ index: 0, message: { role: 'assistant', content: 'Hello! How can I help you today?' }, finish_reason: 'stop', logprobs: null }],
			usage: { prompt_tokens: 20, completion_tokens: 9, total_tokens: 29, prompt_tokens_details: { cached_tokens: 0 }, completion_tokens_details: { reasoning_tokens: 0 } }
		});
		expect(finished.usage).toEqual({ inputUncached: 20, cacheRead: 0, cacheWrite: 0, output: 9, reasoning: 0 });
	});

	test('golden 4: both tool-call shapes, ids synthesized, object arguments stringified', () => {
		for (const name of ['native-tools-legacy.json', 'native-tools-new.json']) {
			const body = JSON.parse(workersAiAdaptor.finishResponse('chat', fixture(name), 'llama').body) as { choices: Array<{ message: Json; finish_reason: string }> };
			const choice = body.choices[0]!;
			expect(choice.finish_reason).toBe('tool_calls');
			expect(choice.message.content).toBeNull();
			const calls = choice.message.tool_calls as Array<{ id: string; function: Json }>;
			expect(calls).toHaveLength(2);
			for (const call of calls) expect(call.id).toMatch(/^(call_[0-9A-Za-z]{24}|chatcmpl-tool-7f1)$/);
			expect(new Set(calls.map((c) => c.id)).size).toBe(2);
			expect(calls.map((c) => typeof c.function.arguments)).toEqual(['string', 'string']);
		}
		const legacy = JSON.parse(workersAiAdaptor.finishResponse('chat', fixture('native-tools-legacy.json'), 'm').body) as { choices: Array<{ message: { tool_calls: Array<{ function: Json }> } }> };
		expect(legacy.choices[0]!.message.tool_calls.map((c) => c.function.arguments)).toEqual(['{"city":"Paris"}', '{"city":"Rome"}']);
	});

	test('golden 9: length is inferred when the output reached max_tokens', () => {
		const finish = (maxTokens?: number) =>
			(JSON.parse(finishWorkersAiResponse('chat', fixture('native-length.json'), 'm', maxTokens).body) as { choices: Json[] }).choices[0]!.finish_reason;
		expect(finish(8)).toBe('length');
		expect(finish(100)).toBe('stop');
		expect(finish()).toBe('stop');
	});

	test('JSON mode: an object response is stringified; missing usage stays missing, with the text to count', () => {
		const finished = workersAiAdaptor.finishResponse('chat', JSON.stringify({ result: { response: { city: 'Paris' } }, success: true, errors: [] }), 'm');
		expect((JSON.parse(finished.body) as { choices: Array<{ message: Json }> }).choices[0]!.message.content).toBe('{"city":"Paris"}');
		expect(finished.usage).toBeUndefined();
		expect(finished.outputText).toBe('{"city":"Paris"}');
	});

	test('a chat.completion inside result, and the compat endpoint, pass through with the public name', () => {
		const inner = workersAiAdaptor.finishResponse('chat', fixture('native-choices.json'), 'gpt-oss');
		expect(JSON.parse(inner.body)).toMatchObject({ model: 'gpt-oss', choices: [{ message: { content: 'Hi there.', reasoning_content: 'The user greets.' } }] });
		expect(inner.usage).toEqual({ inputUncached: 70, cacheRead: 0, cacheWrite: 0, output: 12, reasoning: 5 });
		const compat = workersAiAdaptor.finishResponse('chat', fixture('compat-completion.json'), 'llama');
		expect(JSON.parse(compat.body)).toMatchObject({ id: 'id-1735689600456', model: 'llama' });
		expect(compat.usage?.output).toBe(4);
	});

	test('zero usage from the compatible endpoint counts as none (the relay counts instead of billing nothing)', () => {
		const zero = JSON.parse(fixture('compat-completion.json')) as Json;
		zero.usage = { prompt_tokens: 0, completion_tokens: 0, total_tokens: 0 };
		const finished = workersAiAdaptor.finishResponse('chat', JSON.stringify(zero), 'llama');
		expect(finished.usage).toBeUndefined();
		expect(finished.outputText).toContain('Beep boop.');
		const t = createWorkersAiStreamTranslator({ publicModel: 'm', clientWantsUsage: true, door: 'chat' });
		const out = feedTranslator(t, 'data: {"response":"Hi"}\n\ndata: {"response":"","usage":{"prompt_tokens":0,"completion_tokens":0,"total_tokens":0}}\n\ndata: [DONE]\n\n');
		expect(t.usage()).toBeUndefined();
		expect(out).not.toContain('usage');
	});

	test('an envelope with success false, or not JSON, is refused', () => {
		expect(() => workersAiAdaptor.finishResponse('chat', fixture('error-3040.json'), 'm')).toThrow(/Capacity/);
		expect(() => workersAiAdaptor.finishResponse('chat', '<html>', 'm')).toThrow();
	});
});

describe('stream translation', () => {
	const translate = (name: string, clientWantsUsage: boolean, size = 0, maxTokens?: number) => {
		const t = createWorkersAiStreamTranslator({ publicModel: 'llama', clientWantsUsage, door: 'chat', maxTokens });
		const out = feedTranslator(t, fixture(name), size);
		return { t, out, events: sseDataOf(out) };
	};
	type Chunk = Json & { choices: Array<{ delta: Json; finish_reason: string | null }> };

	test('golden 1: native events become OpenAI chunks: role, content, one finish, usage when asked, [DONE]', () => {
		const { t, events } = translate('native-stream.sse', true);
		expect(events.at(-1)).toBe('[DONE]');
		const chunks = events.slice(0, -1) as Chunk[];
		expect(chunks.map((c) => (c.choices[0] ? c.choices[0].delta : 'usage'))).toEqual([
			{ role: 'assistant', content: '' },
			{ content: 'Hel' },
			{ content: 'lo, ' },
			{ content: 'wörld 🌍' },
			{},
			'usage'
		]);
		expect(chunks.map((c) => c.choices[0]?.finish_reason ?? null)).toEqual([null, null, null, null, 'stop', null]);
		expect(new Set(chunks.map((c) => `${c.id}|${c.created}|${c.model}|${c.object}`)).size).toBe(1);
		expect(chunks.at(-1)).toMatchObject({ choices: [], usage: { prompt_tokens: 20, completion_tokens: 5, total_tokens: 25 } });
		expect(JSON.stringify(chunks)).not.toContain('"p"');
		expect(t.usage()).toEqual({ inputUncached: 20, cacheRead: 0, cacheWrite: 0, output: 5, reasoning: 0 });
		expect(t.outputText()).toBe('Hello, wörld 🌍');
		expect(t.done()).toBe(true);

		const quiet = translate('native-stream.sse', false);
		expect(quiet.out).not.toContain('usage');
	});

	test('awkward chunk splits give the same output (ids aside)', () => {
		const strip = (out: string) => out.replace(/chatcmpl-[0-9a-f-]+/g, 'ID').replace(/call_[0-9A-Za-z]{24}/g, 'CALL').replace(/"created":\d+/g, '"created":0');
		for (const name of ['native-stream.sse', 'native-stream-tools.sse', 'compat-stream.sse']) {
			const whole = strip(translate(name, true).out);
			expect(strip(translate(name, true, 1).out)).toBe(whole);
			expect(strip(translate(name, true, 7).out)).toBe(whole);
		}
	});

	test('golden 4: streamed tool calls get distinct indexes, ids, and a tool_calls finish', () => {
		const { events } = translate('native-stream-tools.sse', false);
		const chunks = events.slice(0, -1) as Chunk[];
		const calls = chunks.flatMap((c) => (c.choices[0]?.delta.tool_calls as Json[] | undefined) ?? []);
		expect(calls).toEqual([
			{ index: 0, id: expect.stringMatching(/^call_/), type: 'function', function: { name: 'get_weather', arguments: '' } },
			{ index: 0, function: { arguments: '{"city":"Paris"}' } },
			{ index: 1, id: expect.stringMatching(/^call_/), type: 'function', function: { name: 'get_weather', arguments: '' } },
			{ index: 1, function: { arguments: '{"city":"Rome"}' } }
		]);
		expect(calls[0]!.id).not.toBe(calls[2]!.id);
		expect(chunks.at(-1)!.choices[0]!.finish_reason).toBe('tool_calls');
	});

	test('golden 9: length is inferred from usage when max_tokens is known', () => {
		const { events } = translate('native-stream.sse', false, 0, 5);
		expect((events.at(-2) as Chunk).choices[0]!.finish_reason).toBe('length');
	});

	test('compat chunks: public model, role only once, upstream id kept, usage chunk only when asked', () => {
		const { events, t } = translate('compat-stream.sse', true);
		const chunks = events.slice(0, -1) as Chunk[];
		expect(chunks.every((c) => c.id === 'id-1735689600789' && c.model === 'llama')).toBe(true);
		expect(chunks.map((c) => c.choices[0]?.delta ?? 'usage')).toEqual([{ role: 'assistant', content: 'Beep' }, { content: ' boop.' }, { content: '' }, 'usage']);
		expect(chunks.filter((c) => c.choices[0]?.finish_reason)).toHaveLength(1);
		expect(t.usage()?.output).toBe(4);
		expect(translate('compat-stream.sse', false).out).not.toContain('usage');
	});

	test('a compat stream without a finish chunk still gets one', () => {
		const t = createWorkersAiStreamTranslator({ publicModel: 'm', clientWantsUsage: false, door: 'chat' });
		const events = sseDataOf(feedTranslator(t, 'data: {"id":"id-1","created":1,"choices":[{"index":0,"delta":{"content":"x"},"finish_reason":null}]}\n\ndata: [DONE]\n\n'));
		expect(events.map((e) => (e === '[DONE]' ? e : (e as Chunk).choices[0]!.finish_reason))).toEqual([null, null, 'stop', '[DONE]']);
	});

	test('golden 11: an error event is reported, not forwarded; as the first event it refuses the commit', () => {
		const mid = createWorkersAiStreamTranslator({ publicModel: 'm', clientWantsUsage: false, door: 'chat' });
		const out = feedTranslator(mid, 'data: {"response":"Hi"}\n\ndata: {"success":false,"errors":[{"code":3040,"message":"Capacity temporarily exceeded"}]}\n\n');
		expect(out).not.toContain('Capacity');
		expect(mid.error()).toContain('Capacity temporarily exceeded');
		expect(mid.done()).toBe(false);

		const first = createWorkersAiStreamTranslator({ publicModel: 'm', clientWantsUsage: false, door: 'chat' });
		expect(feedTranslator(first, 'data: {"errors":[{"code":3040,"message":"busy"}]}\n\n')).toBe('');
		expect(first.state).toBe('rejected');
		expect(first.rejection()).toContain('busy');
	});
});

describe('failure classification (docs/providers/workers-ai.md, "Errors"; docs/protocol.md, "Failure classification")', () => {
	const classify = (status: number, body = '', headers: Record<string, string> = {}) => workersAiAdaptor.classifyFailure(status, new Headers(headers), body);

	test('capacity and rate limits cool; the daily allocation disables the key until UTC midnight', () => {
		expect(classify(429, fixture('error-3040.json'), { 'retry-after': '4' })).toMatchObject({ kind: 'cool', retryAfterMs: 4000, message: expect.stringContaining('code 3040') });
		expect(classify(429, '{"error":"slow down"}').kind).toBe('cool');
		const now = Date.UTC(2026, 0, 1, 23, 0, 0);
		expect(classifyWorkersAiFailure(429, new Headers(), fixture('error-3036.json'), now)).toMatchObject({ kind: 'bad-key', retryAfterMs: 3_600_000 });
	});

	test('credentials, models, timeouts and server faults', () => {
		expect(classify(401, fixture('error-auth.json')).kind).toBe('bad-key');
		expect(classify(403, '{"success":false,"errors":[{"code":5016,"message":"Model agreement not accepted"}]}').kind).toBe('bad-key');
		expect(classify(400, fixture('error-5007.json')).kind).toBe('model-unavailable');
		expect(classify(404, '{"success":false,"errors":[{"code":3042,"message":"Invalid model ID"}]}').kind).toBe('model-unavailable');
		expect(classify(408, '{"success":false,"errors":[{"code":3007,"message":"timeout"}]}').kind).toBe('retry');
		for (const status of [500, 502, 503, 504]) expect(classify(status).kind).toBe('retry');
	});

	test('client mistakes stay with the client', () => {
		expect(classify(400, '{"success":false,"errors":[{"code":5004,"message":"Type mismatch of \'/messages/0/content\'"}]}')).toEqual({
			kind: 'client',
			status: 400,
			message: "Type mismatch of '/messages/0/content' (code 5004)",
			code: null,
			type: 'invalid_request_error',
			param: null
		});
		expect(classify(413, '{"success":false,"errors":[{"code":3006,"message":"Request is too large"}]}')).toMatchObject({ kind: 'client', code: 'request_too_large' });
		expect(classify(400, '{"error":{"message":"bad","code":"invalid_value","param":"messages"}}')).toMatchObject({ kind: 'client', code: 'invalid_value', param: 'messages' });
	});
});
