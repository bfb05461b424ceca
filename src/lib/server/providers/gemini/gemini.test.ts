import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { DoorInputError } from '../../protocol/errors';
import type { ChatRequest } from '../../protocol/canonical';
import type { ChannelTarget } from '../../protocol/types';
import { geminiAdaptor } from '.';
import { UpstreamFormatError } from '../../protocol/errors';
import { apiRoot, geminiConfig } from './config';
import { sanitizeSchema } from './schema';

const fixture = (name: string) => readFileSync(join(import.meta.dirname, 'fixtures', name), 'utf8');
const json = (name: string) => JSON.parse(fixture(name)) as Record<string, unknown>;

const KEY = 'AIzaSyDUMMYdummyDUMMYdummyDUMMYdummy123'; // 39 characters, like a real key
const channel = (over: Partial<ChannelTarget> = {}): ChannelTarget => ({ baseUrl: 'https://generativelanguage.googleapis.com/v1', config: {}, ...over });

function build(body: Record<string, unknown>, { model = 'gemini-2.5-flash', stream = false, ch = channel() } = {}) {
	const out = geminiAdaptor.buildRequest({ channel: ch, secret: KEY, door: 'chat', body, rawBody: JSON.stringify(body), upstreamModel: model, stream });
	return { ...out, json: JSON.parse(out.body) as Record<string, any> };
}

describe('config and URLs', () => {
	test('the schema defaults to v1beta and keeps unknown fields', () => {
		expect(geminiConfig.parse({})).toEqual({ apiVersion: 'v1beta' });
		expect(geminiConfig.parse({ other: 1 })).toMatchObject({ other: 1 });
		expect(geminiConfig.safeParse({ apiVersion: 'v2' }).success).toBe(false);
		expect(geminiConfig.safeParse({ vertex: { project: 'p/../x', location: 'us-central1' } }).success).toBe(false);
	});

	test('the API root: normalised /v1 gives way to the configured version, explicit versions and prefixes stay', () => {
		const v = (baseUrl: string, apiVersion: 'v1' | 'v1beta' = 'v1beta') => apiRoot(baseUrl, { apiVersion });
		expect(v('https://generativelanguage.googleapis.com/v1')).toBe('https://generativelanguage.googleapis.com/v1beta');
		expect(v('https://generativelanguage.googleapis.com/v1', 'v1')).toBe('https://generativelanguage.googleapis.com/v1');
		expect(v('https://generativelanguage.googleapis.com/v1beta', 'v1')).toBe('https://generativelanguage.googleapis.com/v1beta');
		expect(v('https://proxy.example/google/v1')).toBe('https://proxy.example/google/v1beta');
		expect(v('https://proxy.example/google')).toBe('https://proxy.example/google/v1beta');
		expect(v('http://127.0.0.1:4000/v1')).toBe('http://127.0.0.1:4000/v1beta');
	});

	test('non-stream and stream endpoints; the key in x-goog-api-key, never in the URL', () => {
		const plain = build({ model: 'g', messages: [{ role: 'user', content: 'hi' }] });
		expect(plain.url).toBe('https://generativelanguage.googleapis.com/v1beta/models/gemini-2.5-flash:generateContent');
		expect(plain.headers).toEqual({ 'content-type': 'application/json', accept: 'application/json', 'x-goog-api-key': KEY });
		const streamed = build({ model: 'g', messages: [{ role: 'user', content: 'hi' }] }, { stream: true, model: 'models/gemini-2.5-pro' });
		expect(streamed.url).toBe('https://generativelanguage.googleapis.com/v1beta/models/gemini-2.5-pro:streamGenerateContent?alt=sse');
		expect(streamed.url).not.toContain('key=');
		expect(streamed.headers.accept).toBe('text/event-stream');
	});

	test('Vertex: regional host, project path, Bearer token', () => {
		const vertex = { vertex: { project: 'my-proj', location: 'europe-west4' } };
		const out = build({ messages: [{ role: 'user', content: 'hi' }] }, { ch: channel({ config: vertex }) });
		expect(out.url).toBe('https://europe-west4-aiplatform.googleapis.com/v1/projects/my-proj/locations/europe-west4/publishers/google/models/gemini-2.5-flash:generateContent');
		expect(out.headers.authorization).toBe(`Bearer ${KEY}`);
		expect(out.headers['x-goog-api-key']).toBeUndefined();
		const global = build({ messages: [] }, { ch: channel({ config: { vertex: { project: 'p', location: 'global' } } }), stream: true });
		expect(global.url).toBe('https://aiplatform.googleapis.com/v1/projects/p/locations/global/publishers/google/models/gemini-2.5-flash:streamGenerateContent?alt=sse');
		const proxied = build({ messages: [] }, { ch: channel({ baseUrl: 'http://127.0.0.1:9/v1', config: vertex }) });
		expect(proxied.url).toBe('http://127.0.0.1:9/v1/projects/my-proj/locations/europe-west4/publishers/google/models/gemini-2.5-flash:generateContent');
	});

	test('chat only, never native', () => {
		expect(geminiAdaptor.supports('chat')).toBe(true);
		expect(geminiAdaptor.supports('embeddings')).toBe(false);
		expect(geminiAdaptor.native('chat', channel())).toBe(false);
		expect(geminiAdaptor.testBody('chat', 'gemini-2.5-flash')).toMatchObject({ model: 'gemini-2.5-flash', max_tokens: 1 });
	});
});

describe('request conversion (docs/providers/gemini.md, "Request mapping")', () => {
	test('golden 2, 3, 4, 5, 7: system messages, merged turns, images, PDF, tool loop, no-arg tool, signatures', () => {
		const body = json('request-agent.json');
		const before = JSON.stringify(body);
		expect(build(body, { model: 'gemini-2.5-pro' }).json).toEqual(json('request-agent.gemini.json'));
		expect(JSON.stringify(body)).toBe(before); // the caller's body is not touched
	});

	test.each(JSON.parse(fixture('refused-parts.json')) as Array<{ shows: string; messages: unknown[]; error: string }>)('a part Gemini cannot take is refused, not dropped: $shows', ({ messages, error }) => {
		expect(() => build({ messages })).toThrow(expect.objectContaining({ name: 'UpstreamRequestError', message: error }));
	});

	test("an assistant's refusal part goes back as text", () => {
		const contents = build({ messages: [{ role: 'user', content: 'x' }, { role: 'assistant', content: [{ type: 'refusal', refusal: 'I will not.' }] }] }).json.contents;
		expect(contents[1]).toEqual({ role: 'model', parts: [{ text: 'I will not.' }] });
	});

	test('a tool message that answers no known call is refused, not given a filler name', () => {
		const body = { messages: [{ role: 'user', content: 'x' }, { role: 'tool', tool_call_id: 'nope', content: '1' }] };
		expect(() => build(body)).toThrow(DoorInputError);
	});

	test('golden 7 fallback: Gemini 3 history without signatures gets the documented dummy on the first call only', () => {
		const body = {
			messages: [
				{ role: 'user', content: 'x' },
				{
					role: 'assistant',
					content: 'Checking.',
					tool_calls: [
						{ id: '1', type: 'function', function: { name: 'a', arguments: '{}' } },
						{ id: '2', type: 'function', function: { name: 'b', arguments: '{}' } }
					]
				},
				{ role: 'tool', tool_call_id: '1', content: 'r1' },
				{ role: 'tool', tool_call_id: '2', content: 'r2' }
			]
		};
		const gemini3 = build(body, { model: 'gemini-3-pro-preview' }).json.contents[1].parts;
		expect(gemini3).toEqual([
			{ text: 'Checking.' },
			{ functionCall: { name: 'a', args: {} }, thoughtSignature: 'skip_thought_signature_validator' },
			{ functionCall: { name: 'b', args: {} } }
		]);
		const gemini25 = build(body).json.contents[1].parts;
		expect(gemini25[1]).toEqual({ functionCall: { name: 'a', args: {} } });
	});

	test('golden 8: response_format json_schema is sanitised into the OpenAPI subset', () => {
		const format = json('response-format.json');
		const before = JSON.stringify(format);
		const config = build({ messages: [{ role: 'user', content: 'x' }], response_format: format }).json.generationConfig;
		expect(JSON.stringify(format)).toBe(before);
		expect(config.responseMimeType).toBe('application/json');
		expect(config.responseSchema).toEqual({
			type: 'object',
			properties: {
				items: {
					type: 'array',
					items: { type: 'object', properties: { sku: { type: 'string' }, qty: { type: 'integer', minimum: 1 } }, required: ['sku', 'qty'] }
				},
				note: { type: 'string', nullable: true },
				priority: { type: 'string', enum: ['1', '2', '3'] },
				kind: { type: 'string', enum: ['order'] },
				when: { type: 'string', format: 'date-time', nullable: true },
				email: { type: 'string' },
				meta: { type: 'object', properties: { a: { type: 'string' }, b: { type: 'number' } }, required: ['a'] }
			},
			required: ['items', 'note', 'priority', 'kind', 'when', 'email', 'meta']
		});
	});

	test('schema sanitising survives cycles and multi-type unions', () => {
		const cyclic = { $defs: { Node: { type: 'object', properties: { next: { $ref: '#/$defs/Node' } } } }, $ref: '#/$defs/Node' };
		expect(JSON.stringify(sanitizeSchema(cyclic)).length).toBeGreaterThan(0);
		expect(sanitizeSchema({ properties: { a: { items: { type: 'string' } } } })).toEqual({
			type: 'object',
			properties: { a: { type: 'array', items: { type: 'string' } } }
		});
		expect(sanitizeSchema({ type: ['string', 'integer'] })).toEqual({ anyOf: [{ type: 'string' }, { type: 'integer' }] });
		expect(sanitizeSchema({ oneOf: [{ type: 'string' }, { type: 'integer' }, { type: 'null' }] })).toEqual({
			anyOf: [{ type: 'string' }, { type: 'integer' }],
			nullable: true
		});
	});

	test('json_object, tool_choice, logprobs, modalities', () => {
		const base = { messages: [{ role: 'user', content: 'x' }], tools: [{ type: 'function', function: { name: 'f' } }] };
		const out = (extra: Record<string, unknown>) => build({ ...base, ...extra }).json;
		expect(out({ response_format: { type: 'json_object' } }).generationConfig).toEqual({ responseMimeType: 'application/json' });
		expect(out({ tool_choice: 'required' }).toolConfig).toEqual({ functionCallingConfig: { mode: 'ANY' } });
		expect(out({ tool_choice: 'none' }).toolConfig).toEqual({ functionCallingConfig: { mode: 'NONE' } });
		expect(out({ tool_choice: { type: 'function', function: { name: 'f' } } }).toolConfig).toEqual({
			functionCallingConfig: { mode: 'ANY', allowedFunctionNames: ['f'] }
		});
		expect(out({ logprobs: true, top_logprobs: 3, modalities: ['text', 'image'], n: 2 }).generationConfig).toEqual({
			responseLogprobs: true,
			logprobs: 3,
			responseModalities: ['TEXT', 'IMAGE'],
			candidateCount: 2
		});
		expect(out({ stop: 'END' }).generationConfig).toEqual({ stopSequences: ['END'] });
	});

	test('reasoning_effort: budgets on 2.5 (capped at half of max tokens), levels on 3', () => {
		const thinking = (model: string, extra: Record<string, unknown>) =>
			build({ messages: [{ role: 'user', content: 'x' }], ...extra }, { model }).json.generationConfig?.thinkingConfig;
		expect(thinking('gemini-2.5-flash', { reasoning_effort: 'high' })).toEqual({ thinkingBudget: 24576, includeThoughts: true });
		expect(thinking('gemini-2.5-flash', { reasoning_effort: 'medium', max_tokens: 1000 })).toEqual({ thinkingBudget: 500, includeThoughts: true });
		expect(thinking('gemini-2.5-flash', { reasoning_effort: 'none' })).toEqual({ thinkingBudget: 0 });
		expect(thinking('gemini-2.5-pro', { reasoning_effort: 'none' })).toEqual({ thinkingBudget: 128, includeThoughts: true });
		expect(thinking('gemini-3-pro-preview', { reasoning_effort: 'medium' })).toEqual({ thinkingLevel: 'high', includeThoughts: true });
		expect(thinking('gemini-3-flash-preview', { reasoning_effort: 'minimal' })).toEqual({ thinkingLevel: 'minimal', includeThoughts: true });
		expect(thinking('gemini-2.5-flash', { thinking_budget: 99999 })).toEqual({ thinkingBudget: 24576, includeThoughts: true });
		expect(thinking('gemini-2.5-flash', {})).toBeUndefined();
	});

	test('prepare inlines https images once per URL through the injected fetcher, leaving the input alone', async () => {
		const seen: string[] = [];
		const fetchImage = async (url: string) => {
			seen.push(url);
			return { mediaType: 'image/png', base64: 'iVBORw0KGgo=' };
		};
		const image = (url: string) => ({ type: 'image_url' as const, image_url: { url, detail: 'high' as const } });
		const body: ChatRequest = {
			model: 'g',
			messages: [
				{ role: 'user', content: [{ type: 'text', text: 'look' }, image('https://img.example/a.png'), image('https://img.example/a.png')] },
				{ role: 'user', content: [image('data:image/gif;base64,R0lG'), image('https://www.youtube.com/watch?v=x')] }
			]
		};
		const before = JSON.stringify(body);
		const prepared = await geminiAdaptor.prepare!(body, fetchImage);
		expect(seen).toEqual(['https://img.example/a.png']);
		expect(JSON.stringify(body)).toBe(before);
		const parts = build(prepared).json.contents[0].parts;
		expect(parts).toEqual([
			{ text: 'look' },
			{ inlineData: { mimeType: 'image/png', data: 'iVBORw0KGgo=' } },
			{ inlineData: { mimeType: 'image/png', data: 'iVBORw0KGgo=' } },
			{ inlineData: { mimeType: 'image/gif', data: 'R0lG' } },
			{ fileData: { fileUri: 'https://www.youtube.com/watch?v=x' } }
		]);
		const nothing = { model: 'g', messages: [{ role: 'user' as const, content: 'hi' }] };
		expect(await geminiAdaptor.prepare!(nothing, fetchImage)).toBe(nothing);
	});
});

describe('non-stream response (docs/providers/gemini.md, "Non-stream response")', () => {
	const finish = (name: string) => {
		const out = geminiAdaptor.finishResponse('chat', fixture(name), 'public-model');
		return { ...out, json: JSON.parse(out.body) as Record<string, any> };
	};

	test('golden 1: text parts joined, public model, usage identity', () => {
		const { json: body, usage, outputText } = finish('text.json');
		expect(body).toMatchObject({ id: 'mJlUaPzRGL6Gz7IPqbXJ8Q4', object: 'chat.completion', model: 'public-model' });
		expect(body.choices).toEqual([{ index: 0, message: { role: 'assistant', content: 'Hello! How can I help?' }, finish_reason: 'stop', logprobs: null }]);
		expect(body.usage).toMatchObject({ prompt_tokens: 9, completion_tokens: 8, total_tokens: 17 });
		expect(usage).toEqual({ inputUncached: 9, cacheRead: 0, cacheWrite: 0, output: 8, reasoning: 0 });
		expect(outputText).toBe('Hello! How can I help?');
	});

	test('golden 4, 5, 7: calls get ids, "{}" for no args, the signature, STOP ⇒ tool_calls, thoughts ⇒ reasoning', () => {
		const { json: body, usage } = finish('tool-calls.json');
		const message = body.choices[0].message;
		expect(body.choices[0].finish_reason).toBe('tool_calls');
		expect(message.content).toBeNull();
		expect(message.reasoning_content).toBe('**Planning** I need the weather in both cities.');
		expect(message.tool_calls.map((c: any) => [c.function.name, c.function.arguments])).toEqual([
			['get_weather', '{"city":"Paris"}'],
			['get_weather', '{"city":"London"}'],
			['get_time', '{}']
		]);
		expect(message.tool_calls[0].extra_content).toEqual({ google: { thought_signature: 'CsUBAY8a1s9PyxQ3' } });
		expect(message.tool_calls[1].extra_content).toBeUndefined();
		const ids = message.tool_calls.map((c: any) => c.id);
		for (const id of ids) expect(id).toMatch(/^call_[0-9A-Za-z]{24}$/);
		expect(new Set(ids).size).toBe(3);
		expect(finish('tool-calls.json').json.choices[0].message.tool_calls[0].id).toBe(ids[0]); // deterministic
		expect(usage).toEqual({ inputUncached: 120, cacheRead: 0, cacheWrite: 0, output: 94, reasoning: 64 });
	});

	test('golden 7 round trip: the signature that came out goes back on the same call', () => {
		const message = finish('tool-calls.json').json.choices[0].message;
		const next = build({
			messages: [
				{ role: 'user', content: 'weather?' },
				message,
				...message.tool_calls.map((c: any) => ({ role: 'tool', tool_call_id: c.id, content: 'ok' }))
			]
		}).json;
		expect(next.contents[1].parts[0]).toEqual({ functionCall: { name: 'get_weather', args: { city: 'Paris' } }, thoughtSignature: 'CsUBAY8a1s9PyxQ3' });
		expect(next.contents[2].parts.map((p: any) => p.functionResponse.name)).toEqual(['get_weather', 'get_weather', 'get_time']);
	});

	test('golden 9: MAX_TOKENS ⇒ length, thinking that used everything leaves empty content', () => {
		const { json: body, usage } = finish('max-tokens-thinking.json');
		expect(body.choices[0]).toMatchObject({ finish_reason: 'length', message: { content: '', reasoning_content: expect.stringContaining('proof') } });
		expect(usage).toEqual({ inputUncached: 15, cacheRead: 0, cacheWrite: 0, output: 100, reasoning: 100 });
		expect(body.usage).toMatchObject({ prompt_tokens: 15, completion_tokens: 100, total_tokens: 115, completion_tokens_details: { reasoning_tokens: 100 } });
	});

	test('golden 10: a blocked prompt is an empty content_filter answer, not a crash', () => {
		const { json: body, usage } = finish('prompt-blocked.json');
		expect(body.choices).toEqual([{ index: 0, message: { role: 'assistant', content: '' }, finish_reason: 'content_filter', logprobs: null }]);
		expect(usage?.inputUncached).toBe(12);
	});

	test('golden 12: cached tokens are part of the prompt, thoughts part of the output', () => {
		const { json: body, usage } = finish('cached-thoughts.json');
		expect(usage).toEqual({ inputUncached: 2048, cacheRead: 8192, cacheWrite: 0, output: 319, reasoning: 310 });
		expect(body.usage).toMatchObject({
			prompt_tokens: 10240,
			completion_tokens: 319,
			total_tokens: 10559,
			prompt_tokens_details: { cached_tokens: 8192 },
			completion_tokens_details: { reasoning_tokens: 310 }
		});
	});

	test('finish reasons: safety ⇒ content_filter; a malformed call with no text is retryable; a lost signature is the client’s', () => {
		const answer = (finishReason: string, parts: unknown[] = [{ text: 'x' }]) =>
			JSON.stringify({ candidates: [{ content: { role: 'model', parts }, finishReason }] });
		expect(JSON.parse(geminiAdaptor.finishResponse('chat', answer('RECITATION'), 'm').body).choices[0].finish_reason).toBe('content_filter');
		expect(JSON.parse(geminiAdaptor.finishResponse('chat', answer('OTHER'), 'm').body).choices[0].finish_reason).toBe('stop');
		expect(JSON.parse(geminiAdaptor.finishResponse('chat', answer('MALFORMED_FUNCTION_CALL'), 'm').body).choices[0].finish_reason).toBe('stop');
		expect(() => geminiAdaptor.finishResponse('chat', answer('MALFORMED_FUNCTION_CALL', []), 'm')).toThrow(expect.objectContaining({ retry: true }));
		expect(() => geminiAdaptor.finishResponse('chat', answer('MISSING_THOUGHT_SIGNATURE', []), 'm')).toThrow(expect.objectContaining({ retry: false }));
		expect(() => geminiAdaptor.finishResponse('chat', '<html>', 'm')).toThrow(UpstreamFormatError);
		expect(() => geminiAdaptor.finishResponse('chat', '{}', 'm')).toThrow(/no candidates/);
	});

	test('a signature on an empty text part is kept for the call after it', () => {
		const text = JSON.stringify({
			candidates: [{ content: { parts: [{ text: '', thoughtSignature: 'S1' }, { functionCall: { name: 'f', args: {} } }] }, finishReason: 'STOP' }]
		});
		const call = JSON.parse(geminiAdaptor.finishResponse('chat', text, 'm').body).choices[0].message.tool_calls[0];
		expect(call.extra_content).toEqual({ google: { thought_signature: 'S1' } });
	});
});

describe('stream translation (docs/providers/gemini.md, "Streaming")', () => {
	const encoder = new TextEncoder();

	function translate(text: string, clientWantsUsage: boolean, size = 0) {
		const t = geminiAdaptor.createStreamTranslator({ publicModel: 'public-model', clientWantsUsage, door: 'chat' });
		const all = encoder.encode(text);
		const step = size || all.length;
		let out = '';
		for (let i = 0; i < all.length; i += step) {
			const piece = t.push(all.subarray(i, i + step));
			out += typeof piece === 'string' ? piece : new TextDecoder().decode(piece);
		}
		const rest = t.end();
		out += typeof rest === 'string' ? rest : new TextDecoder().decode(rest);
		return { out, t };
	}

	const events = (out: string) =>
		out
			.split('\n\n')
			.filter(Boolean)
			.map((e) => e.replace(/^data: /, ''));
	const chunks = (out: string) =>
		events(out)
			.filter((e) => e !== '[DONE]')
			.map((e) => JSON.parse(e) as Record<string, any>);

	test('golden 1: CRLF-framed text, same output whatever the chunk sizes', () => {
		const whole = translate(fixture('text.sse'), true);
		for (const size of [1, 7, 64]) {
			const { out } = translate(fixture('text.sse'), true, size);
			// ids are the response id; created can only differ by a second boundary
			expect(out.replace(/"created":\d+/g, '')).toBe(whole.out.replace(/"created":\d+/g, ''));
		}
		const list = chunks(whole.out);
		expect(whole.t.state).toBe('committed');
		expect(whole.t.done()).toBe(true);
		expect(events(whole.out).at(-1)).toBe('[DONE]');
		expect(new Set(list.map((c) => `${c.id}|${c.created}|${c.model}|${c.object}`)).size).toBe(1);
		expect(list[0]!.id).toBe('Hk3xaLCXNqmHz7IP7pOh8AE');
		expect(list[0]!.choices[0].delta).toEqual({ role: 'assistant', content: '' });
		expect(list.slice(1, 4).map((c) => c.choices[0].delta.content)).toEqual(['Hello', '! How can I help?', ' Ünïcödé ✓']);
		expect(list[4]!.choices[0]).toEqual({ index: 0, delta: {}, finish_reason: 'stop', logprobs: null });
		expect(list[5]).toMatchObject({ choices: [], usage: { prompt_tokens: 9, completion_tokens: 12, total_tokens: 21 } });
		expect(list).toHaveLength(6);
		expect(whole.t.usage()).toEqual({ inputUncached: 9, cacheRead: 0, cacheWrite: 0, output: 12, reasoning: 0 });
		expect(whole.t.outputText()).toBe('Hello! How can I help? Ünïcödé ✓');
	});

	test('golden 1: without include_usage there is no usage chunk, but usage is still read', () => {
		const { out, t } = translate(fixture('text.sse'), false, 5);
		expect(out).not.toContain('"usage"');
		expect(out.endsWith('data: [DONE]\n\n')).toBe(true);
		expect(t.usage()?.output).toBe(12);
	});

	test('golden 4, 7: calls in separate events get indexes 0 and 1, head then arguments, one finish after trailing events', () => {
		for (const size of [0, 1, 7]) {
			const { out, t } = translate(fixture('tool-calls-separate.sse'), true, size);
			const list = chunks(out);
			const deltas = list.filter((c) => c.choices.length > 0).map((c) => c.choices[0].delta);
			expect(deltas[1]).toEqual({ reasoning_content: '**Plan** compare the cities' });
			expect(deltas[2]).toEqual({ content: 'Let me check.' });
			const calls = deltas.flatMap((d) => d.tool_calls ?? []);
			expect(calls).toHaveLength(4);
			expect(calls[0]).toMatchObject({ index: 0, type: 'function', function: { name: 'get_weather', arguments: '' }, extra_content: { google: { thought_signature: 'CsUBsig1' } } });
			expect(calls[0].id).toMatch(/^call_[0-9A-Za-z]{24}$/);
			expect(calls[1]).toEqual({ index: 0, function: { arguments: '{"city":"Paris"}' } });
			expect(calls[2]).toMatchObject({ index: 1, function: { name: 'get_weather', arguments: '' } });
			expect(calls[2].id).not.toBe(calls[0].id);
			expect(calls[3]).toEqual({ index: 1, function: { arguments: '{"city":"London"}' } });
			const finishes = list.filter((c) => c.choices[0]?.finish_reason);
			expect(finishes).toHaveLength(1);
			expect(finishes[0]!.choices[0]).toMatchObject({ delta: {}, finish_reason: 'tool_calls' });
			expect(list.at(-1)).toMatchObject({ choices: [], usage: { prompt_tokens: 30, completion_tokens: 66, completion_tokens_details: { reasoning_tokens: 52 } } });
			expect(t.done()).toBe(true);
		}
	});

	test('golden 11: an error event after the first is reported, not forwarded, and the stream is not done', () => {
		const { out, t } = translate(fixture('stream-error.sse'), true, 3);
		expect(out).not.toContain('error');
		expect(out).not.toContain('[DONE]');
		expect(out).toContain('Partial answer');
		expect(t.error()).toBe('The model is overloaded. Please try again later.');
		expect(t.done()).toBe(false);
	});

	test('an error or garbage as the first event rejects the commit', () => {
		const { out, t } = translate('data: {"error":{"code":429,"message":"Quota exceeded","status":"RESOURCE_EXHAUSTED"}}\n\n', true);
		expect(t.state).toBe('rejected');
		expect(t.rejection()).toBe('Quota exceeded');
		expect(out).toBe('');
		expect(translate('data: <html>\n\n', false).t.state).toBe('rejected');
	});

	test('the commit waits for the first complete event', () => {
		const t = geminiAdaptor.createStreamTranslator({ publicModel: 'm', clientWantsUsage: false, door: 'chat' });
		expect(t.push(encoder.encode('data: {"candidates":[{"content":{"parts":[{"te'))).toBe('');
		expect(t.state).toBe('waiting');
		expect(t.push(encoder.encode('xt":"a"}]}}]}\r\n\r\n'))).toContain('"content":"a"');
		expect(t.state).toBe('committed');
	});

	test('a stream that ends without a finishReason is not done; an unterminated last event still counts', () => {
		const cut = translate('data: {"candidates":[{"content":{"parts":[{"text":"a"}]}}]}\n\n', false);
		expect(cut.t.done()).toBe(false);
		expect(cut.out).not.toContain('[DONE]');
		const unterminated = translate('data: {"candidates":[{"content":{"parts":[{"text":"a"}]},"finishReason":"STOP"}]}', false);
		expect(unterminated.t.done()).toBe(true);
		expect(unterminated.out).toContain('"finish_reason":"stop"');
	});

	test('golden 9 and 10 in a stream: MAX_TOKENS ⇒ length; a blocked prompt ⇒ content_filter', () => {
		const length = translate('data: {"candidates":[{"content":{"parts":[{"text":"hmm","thought":true}]},"finishReason":"MAX_TOKENS"}],"usageMetadata":{"promptTokenCount":5,"thoughtsTokenCount":20,"totalTokenCount":25}}\n\n', true);
		expect(chunks(length.out).find((c) => c.choices[0]?.finish_reason)?.choices[0].finish_reason).toBe('length');
		expect(length.t.usage()).toEqual({ inputUncached: 5, cacheRead: 0, cacheWrite: 0, output: 20, reasoning: 20 });
		const blocked = translate(`data: ${JSON.stringify(JSON.parse(fixture('prompt-blocked.json')))}\n\n`, false);
		const list = chunks(blocked.out);
		expect(list[0]!.choices[0].delta).toEqual({ role: 'assistant', content: '' });
		expect(list[1]!.choices[0].finish_reason).toBe('content_filter');
		expect(blocked.t.done()).toBe(true);
	});

	test('a malformed call with no text mid-stream becomes an error', () => {
		const { t } = translate('data: {"candidates":[{"content":{"parts":[]},"finishReason":"MALFORMED_FUNCTION_CALL"}]}\n\n', false);
		expect(t.state).toBe('committed');
		expect(t.error()).toMatch(/MALFORMED_FUNCTION_CALL/);
		expect(t.done()).toBe(false);
	});
});

describe('failure classification (docs/providers/gemini.md, "Errors"; docs/protocol.md, "Failure classification")', () => {
	const classify = (status: number, body: string, headers: Record<string, string> = {}) => geminiAdaptor.classifyFailure(status, new Headers(headers), body);

	test('golden 11: 429 RESOURCE_EXHAUSTED cools for RetryInfo.retryDelay; 503 UNAVAILABLE retries', () => {
		expect(classify(429, fixture('error-429.json'))).toMatchObject({ kind: 'cool', retryAfterMs: 23000, status: 429 });
		expect(classify(429, '{}', { 'retry-after': '4' }).retryAfterMs).toBe(4000);
		expect(classify(503, fixture('error-503.json'))).toMatchObject({ kind: 'retry', message: 'The model is overloaded. Please try again later.' });
		for (const status of [500, 504]) expect(classify(status, '').kind).toBe('retry');
	});

	test('bad keys, missing models, client mistakes', () => {
		expect(classify(400, fixture('error-key.json')).kind).toBe('bad-key');
		expect(classify(403, '{"error":{"code":403,"message":"denied","status":"PERMISSION_DENIED"}}').kind).toBe('bad-key');
		expect(classify(401, '').kind).toBe('bad-key');
		expect(classify(404, '{"error":{"code":404,"message":"models/x is not found","status":"NOT_FOUND"}}').kind).toBe('model-unavailable');
		expect(classify(400, '{"error":{"code":400,"message":"User location is not supported","status":"FAILED_PRECONDITION"}}').kind).toBe('retry');
		expect(classify(400, fixture('error-400.json'))).toMatchObject({ kind: 'client', type: 'invalid_request_error', message: expect.stringContaining('additionalProperties') });
	});

	test('keys never reach messages', () => {
		const leaky = `{"error":{"code":400,"message":"bad request to https://generativelanguage.googleapis.com/v1beta/models/x?key=${KEY}&alt=sse (${KEY})","status":"INVALID_ARGUMENT"}}`;
		const { message } = classify(400, leaky);
		expect(message).not.toContain(KEY);
		expect(message).not.toContain(KEY.slice(4));
		expect(classify(502, `<html>${KEY}</html>`).message).not.toContain(KEY);
	});
});
