import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { channelState } from '../../testing/channel-state';
import { feedTranslator, sseDataOf } from '../../testing/sse';
import type { Door } from '../types';
import { azureAdaptor } from '.';
import { azureEndpoint } from './request';

const fixture = (name: string) => readFileSync(join(import.meta.dirname, 'fixtures', name), 'utf8');

type Json = Record<string, unknown>;

function channel(config: Json = {}, baseUrl = 'https://myres.openai.azure.com/v1') {
	return channelState(1, { type: 'azure', baseUrl, config });
}

function build(body: Json, opts: { config?: Json; door?: Door; stream?: boolean; upstreamModel?: string; baseUrl?: string } = {}) {
	const out = azureAdaptor.buildRequest({
		channel: channel(opts.config, opts.baseUrl),
		secret: 'az-key',
		door: opts.door ?? 'chat',
		body,
		rawBody: JSON.stringify(body),
		upstreamModel: opts.upstreamModel ?? (typeof body.model === 'string' ? body.model : 'm'),
		stream: opts.stream ?? body.stream === true
	});
	return { ...out, json: JSON.parse(out.body) as Json };
}

const chat = (extra: Json = {}): Json => ({ model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }], ...extra });

describe('config', () => {
	test('defaults, and the values it refuses', () => {
		expect(azureAdaptor.configSchema.parse({})).toEqual({ apiVersion: '2024-10-21', authMode: 'api-key' });
		expect(azureAdaptor.configSchema.parse({ apiVersion: 'v1', deployments: { 'gpt-4o': 'prod-4o' }, extra: 1 })).toMatchObject({
			apiVersion: 'v1',
			deployments: { 'gpt-4o': 'prod-4o' },
			extra: 1
		});
		expect(azureAdaptor.configSchema.safeParse({ apiVersion: 'latest' }).success).toBe(false);
		expect(azureAdaptor.configSchema.safeParse({ authMode: 'oauth' }).success).toBe(false);
		expect(azureAdaptor.configSchema.safeParse({ reasoningModels: [''] }).success).toBe(false);
	});

	test('an invalid stored config fails loudly instead of guessing', () => {
		expect(() => build(chat(), { config: { apiVersion: 'yesterday' } })).toThrow(/Invalid Azure channel config/);
	});
});

describe('URL, headers and endpoint', () => {
	test('deployment style: the deployment in the path, api-version in the query, api-key header, no model in the body', () => {
		const out = build(chat(), { upstreamModel: 'gpt-4o', config: { deployments: { 'gpt-4o': 'prod 4o' } } });
		expect(out.url).toBe('https://myres.openai.azure.com/openai/deployments/prod%204o/chat/completions?api-version=2024-10-21');
		expect(out.headers).toEqual({ 'content-type': 'application/json', accept: 'application/json', 'api-key': 'az-key' });
		expect(out.json).toEqual({ messages: [{ role: 'user', content: 'hi' }] });
	});

	test('v1 style: /openai/v1 paths, the deployment as the model, bearer auth', () => {
		const out = build(chat(), { config: { apiVersion: 'v1', authMode: 'bearer' }, upstreamModel: 'gpt-4o-mini' });
		expect(out.url).toBe('https://myres.openai.azure.com/openai/v1/chat/completions');
		expect(out.headers.authorization).toBe('Bearer az-key');
		expect(out.headers['api-key']).toBeUndefined();
		expect(out.json.model).toBe('gpt-4o-mini');
	});

	test('each door has its path in both styles', () => {
		const urls = (config: Json) =>
			(['chat', 'completions', 'embeddings'] as const).map((door) => build({ model: 'd', input: 'x' }, { door, config }).url);
		expect(urls({})).toEqual([
			'https://myres.openai.azure.com/openai/deployments/d/chat/completions?api-version=2024-10-21',
			'https://myres.openai.azure.com/openai/deployments/d/completions?api-version=2024-10-21',
			'https://myres.openai.azure.com/openai/deployments/d/embeddings?api-version=2024-10-21'
		]);
		expect(urls({ apiVersion: 'v1' })).toEqual([
			'https://myres.openai.azure.com/openai/v1/chat/completions',
			'https://myres.openai.azure.com/openai/v1/completions',
			'https://myres.openai.azure.com/openai/v1/embeddings'
		]);
	});

	test('the public model name maps to a deployment when the upstream name has no entry', () => {
		const out = build(chat({ model: 'smart' }), { upstreamModel: 'gpt-4o', config: { deployments: { smart: 'eu-smart' } } });
		expect(out.url).toContain('/deployments/eu-smart/');
	});

	test('the endpoint: the gateway-added /v1, /openai and /openai/v1 are cut; a proxy prefix stays', () => {
		expect(azureEndpoint('https://myres.openai.azure.com/v1')).toBe('https://myres.openai.azure.com');
		expect(azureEndpoint('https://myres.openai.azure.com/openai')).toBe('https://myres.openai.azure.com');
		expect(azureEndpoint('https://myres.openai.azure.com/openai/v1')).toBe('https://myres.openai.azure.com');
		expect(azureEndpoint('https://myres.cognitiveservices.azure.com/v1')).toBe('https://myres.cognitiveservices.azure.com');
		expect(azureEndpoint('http://127.0.0.1:8080/azure/v1')).toBe('http://127.0.0.1:8080/azure');
	});
});

describe('body hygiene', () => {
	test('streams ask for usage (keeping other stream_options); older versions get no stream_options at all', () => {
		const out = build(chat({ stream: true, stream_options: { include_obfuscation: false } }), { config: { apiVersion: '2025-04-01-preview' } });
		expect(out.json.stream_options).toEqual({ include_obfuscation: false, include_usage: true });
		expect(out.headers.accept).toBe('text/event-stream');
		expect(build(chat({ stream: true }), { config: { apiVersion: 'v1' } }).json.stream_options).toEqual({ include_usage: true });
		expect(build(chat({ stream: true }), { config: { apiVersion: '2024-09-01-preview' } }).json.stream_options).toEqual({ include_usage: true });
		const old = build(chat({ stream: true, stream_options: { include_usage: true } }), { config: { apiVersion: '2024-06-01' } });
		expect(old.json).not.toHaveProperty('stream_options');
		expect(build({ model: 'e', input: 'x' }, { door: 'embeddings', stream: true }).json).not.toHaveProperty('stream_options');
	});

	test('reasoning models: max_completion_tokens, no sampling knobs, system as developer', () => {
		const body = chat({
			model: 'o3-mini',
			messages: [
				{ role: 'system', content: 'be brief' },
				{ role: 'user', content: 'hi' }
			],
			max_tokens: 500,
			temperature: 0.2,
			top_p: 0.9,
			presence_penalty: 0.1,
			frequency_penalty: 0.1,
			logprobs: true,
			top_logprobs: 2,
			reasoning_effort: 'low'
		});
		const out = build(body, { config: { apiVersion: '2025-04-01-preview' } });
		expect(out.json).toEqual({
			messages: [
				{ role: 'developer', content: 'be brief' },
				{ role: 'user', content: 'hi' }
			],
			max_completion_tokens: 500,
			reasoning_effort: 'low'
		});
		expect((body.messages as Json[])[0]!.role).toBe('system'); // the client's body is untouched
	});

	test('reasoning detection: by name by default, by the configured list when there is one', () => {
		const limited = (model: string, config: Json = {}) => build(chat({ model, max_tokens: 5 }), { config }).json;
		expect(limited('gpt-5-mini')).toMatchObject({ max_completion_tokens: 5 });
		expect(limited('o1')).toMatchObject({ max_completion_tokens: 5 });
		expect(limited('gpt-4o')).toMatchObject({ max_tokens: 5 });
		expect(limited('thinker', { reasoningModels: ['thinker'] })).toMatchObject({ max_completion_tokens: 5 });
		expect(limited('o3', { reasoningModels: ['thinker'] })).toMatchObject({ max_tokens: 5 });
		// A deployment named after a reasoning model counts too.
		expect(limited('smart', { deployments: { smart: 'o4-mini' } })).toMatchObject({ max_completion_tokens: 5 });
	});

	test('a dated version drops the fields it does not know; v1 forwards them; data_sources always stays', () => {
		const extras = {
			store: true,
			metadata: { a: 'b' },
			prediction: { type: 'content', content: 'x' },
			service_tier: 'auto',
			web_search_options: {},
			prompt_cache_key: 'k',
			audio: { voice: 'alloy', format: 'wav' },
			modalities: ['text'],
			top_k: 3,
			data_sources: [{ type: 'azure_search', parameters: { endpoint: 'https://s.example' } }],
			seed: 7,
			user: 'u1'
		};
		const ga = build(chat(extras)).json;
		expect(Object.keys(ga).sort()).toEqual(['data_sources', 'messages', 'seed', 'user']);
		const preview = build(chat(extras), { config: { apiVersion: '2025-04-01-preview' } }).json;
		expect(Object.keys(preview).sort()).toEqual(['audio', 'data_sources', 'messages', 'metadata', 'modalities', 'prediction', 'seed', 'store', 'user']);
		const v1 = build(chat(extras), { config: { apiVersion: 'v1' } }).json;
		expect(v1).toEqual({ ...chat(extras), model: 'gpt-4o' });
	});

	test('max_completion_tokens becomes max_tokens for versions before it existed', () => {
		expect(build(chat({ max_completion_tokens: 9, max_tokens: 100 }), { config: { apiVersion: '2024-06-01' } }).json).toMatchObject({ max_tokens: 9 });
		expect(build(chat({ max_completion_tokens: 9 })).json).toMatchObject({ max_completion_tokens: 9 });
	});

	test('golden 2: roles and positions pass through (developer becomes system only where the version lacks it)', () => {
		const messages = [
			{ role: 'system', content: 'sys' },
			{ role: 'developer', content: 'dev' },
			{ role: 'user', content: 'a' },
			{ role: 'user', content: 'b' },
			{ role: 'system', content: 'mid' },
			{ role: 'user', content: [{ type: 'text', text: 'c' }] }
		];
		expect(build(chat({ messages }), { config: { apiVersion: 'v1' } }).json.messages).toEqual(messages);
		expect(build(chat({ messages }), { config: { apiVersion: '2024-12-01-preview' } }).json.messages).toEqual(messages);
		const old = build(chat({ messages })).json.messages as Json[];
		expect(old.map((m) => m.role)).toEqual(['system', 'system', 'user', 'user', 'system', 'user']);
		expect(old.map((m) => m.content)).toEqual(messages.map((m) => m.content));
	});

	test('legacy completions and embeddings keep their own fields', () => {
		expect(build({ model: 'i', prompt: 'x', echo: true, messages: [] }, { door: 'completions' }).json).toEqual({ prompt: 'x', echo: true });
		expect(build({ model: 'e', input: ['a'], dimensions: 256, encoding_format: 'base64' }, { door: 'embeddings' }).json).toEqual({
			input: ['a'],
			dimensions: 256,
			encoding_format: 'base64'
		});
	});

	test('the channel test body goes through the same hygiene', () => {
		const out = build(azureAdaptor.testBody('chat', 'o3-mini'));
		expect(out.json).toEqual({ messages: [{ role: 'user', content: 'ping' }], max_completion_tokens: 1 });
	});
});

describe('non-stream response', () => {
	test('golden 4 and 12: tool calls and filter results pass, the model is public, usage exact', () => {
		const finished = azureAdaptor.finishResponse('chat', fixture('chat-completion.json'), 'gpt-4o');
		const body = JSON.parse(finished.body) as Json & { choices: Json[] };
		expect(body.model).toBe('gpt-4o');
		expect(finished.body).not.toContain('2024-08-06');
		expect(body.prompt_filter_results).toBeDefined();
		expect(body.choices[0]!.finish_reason).toBe('tool_calls');
		const calls = (body.choices[0]!.message as Json).tool_calls as Json[];
		expect(calls.map((c) => c.id)).toEqual(['call_a1', 'call_b2']);
		expect(finished.usage).toEqual({ inputUncached: 176, cacheRead: 1024, cacheWrite: 0, output: 85, reasoning: 0 });
	});

	test('golden 9: a reasoning model hitting its limit keeps finish length and its reasoning tokens', () => {
		const finished = azureAdaptor.finishResponse('chat', fixture('chat-length-reasoning.json'), 'o3-mini');
		expect((JSON.parse(finished.body) as { choices: Json[] }).choices[0]!.finish_reason).toBe('length');
		expect(finished.usage).toEqual({ inputUncached: 30, cacheRead: 0, cacheWrite: 0, output: 64, reasoning: 64 });
	});

	test('an output filtered non-stream answer keeps content_filter', () => {
		const text = JSON.stringify({
			choices: [{ finish_reason: 'content_filter', index: 0, message: { content: null, role: 'assistant' }, content_filter_results: { sexual: { filtered: true, severity: 'medium' } } }],
			model: 'gpt-4o-2024-08-06',
			usage: { prompt_tokens: 5, completion_tokens: 3, total_tokens: 8 }
		});
		const body = JSON.parse(azureAdaptor.finishResponse('chat', text, 'gpt-4o').body) as { choices: Json[] };
		expect(body.choices[0]!.finish_reason).toBe('content_filter');
	});
});

describe('stream translation', () => {
	const translate = (name: string, clientWantsUsage: boolean, size = 0) => {
		const t = azureAdaptor.createStreamTranslator({ publicModel: 'gpt-4o', clientWantsUsage, door: 'chat' });
		const out = feedTranslator(t, fixture(name), size);
		return { t, out, events: sseDataOf(out) };
	};

	test('golden 1 and 10: the filter-only chunk is dropped, model renamed, usage chunk only when asked', () => {
		const { t, out, events } = translate('chat-stream.sse', true);
		expect(t.state).toBe('committed');
		expect(t.done()).toBe(true);
		expect(out).not.toContain('prompt_filter_results');
		expect(out).not.toContain('2024-08-06');
		const chunks = events.slice(0, -1) as Json[];
		expect(events.at(-1)).toBe('[DONE]');
		expect(chunks.map((c) => c.id)).toEqual(Array(5).fill('chatcmpl-AZ3'));
		expect(chunks.every((c) => c.model === 'gpt-4o')).toBe(true);
		expect((chunks[0]!.choices as Json[])[0]!.delta).toEqual({ content: '', refusal: null, role: 'assistant' });
		expect(chunks.at(-1)).toMatchObject({ choices: [], usage: { prompt_tokens: 1100 } });
		expect(t.usage()).toEqual({ inputUncached: 76, cacheRead: 1024, cacheWrite: 0, output: 9, reasoning: 0 });
		expect(t.outputText()).toBe('Bonjour, ça va ? 👋');

		const quiet = translate('chat-stream.sse', false);
		expect(quiet.out).not.toContain('"usage"');
		expect(quiet.events).toHaveLength(5); // role, two pieces, finish, [DONE]
		expect(quiet.t.usage()?.output).toBe(9);
	});

	test('awkward chunk splits (byte by byte, 7 bytes) give the same output', () => {
		for (const name of ['chat-stream.sse', 'chat-stream-tools.sse', 'chat-stream-async-filter.sse']) {
			const whole = translate(name, true).out;
			expect(translate(name, true, 1).out).toBe(whole);
			expect(translate(name, true, 7).out).toBe(whole);
		}
	});

	test('golden 10: asynchronous-filter annotations are dropped; a filter finish ends the choice once', () => {
		const { events, t } = translate('chat-stream-async-filter.sse', false);
		const chunks = events.slice(0, -1) as Array<Json & { choices: Json[] }>;
		expect(chunks.every((c) => c.choices.every((choice) => choice.delta !== undefined))).toBe(true);
		const finishes = chunks.flatMap((c) => c.choices.map((choice) => choice.finish_reason)).filter((f) => f !== null);
		expect(finishes).toEqual(['content_filter']);
		expect(chunks.every((c) => c.id === 'chatcmpl-AZ4' || c.id === '')).toBe(true);
		expect(t.outputText()).toBe('Once upon');
		expect(t.done()).toBe(true);
	});

	test('golden 4: parallel tool calls keep their indexes', () => {
		const { events } = translate('chat-stream-tools.sse', false);
		const calls = (events.slice(0, -1) as Array<{ choices: Array<{ delta: { tool_calls?: Json[] } }> }>).flatMap((c) => c.choices[0]!.delta.tool_calls ?? []);
		expect(calls.map((c) => c.index)).toEqual([0, 0, 0, 1, 1]);
		expect(calls.filter((c) => c.id).map((c) => c.id)).toEqual(['call_a1', 'call_b2']);
	});

	test('golden 11: an error mid-stream is reported, not forwarded; as the first event it refuses the commit', () => {
		const { out, t } = translate('stream-error.sse', false);
		expect(out).not.toContain('error');
		expect(t.state).toBe('committed');
		expect(t.error()).toContain('server had an error');
		expect(t.done()).toBe(false);

		const first = azureAdaptor.createStreamTranslator({ publicModel: 'm', clientWantsUsage: false, door: 'chat' });
		expect(feedTranslator(first, fixture('chat-stream.sse').split('\n\n')[0] + '\n\ndata: {"error":{"code":"429","message":"slow"}}\n\n')).toBe('');
		expect(first.state).toBe('rejected');
		expect(first.rejection()).toBe('slow');
	});

	test('the filter-only chunk does not commit; the first real chunk does', () => {
		const t = azureAdaptor.createStreamTranslator({ publicModel: 'm', clientWantsUsage: false, door: 'chat' });
		const [filter, role] = fixture('chat-stream.sse').split('\n\n');
		expect(t.push(new TextEncoder().encode(`${filter}\n\n: keep-alive\n\n`))).toBe(': keep-alive\n\n');
		expect(t.state).toBe('waiting');
		expect(t.push(new TextEncoder().encode(`${role}\n\n`))).toContain('"role":"assistant"');
		expect(t.state).toBe('committed');
	});

	test('an upstream that closes without the blank line after its last event still finishes', () => {
		const text = fixture('chat-stream.sse').trimEnd();
		const t = azureAdaptor.createStreamTranslator({ publicModel: 'm', clientWantsUsage: false, door: 'chat' });
		expect(feedTranslator(t, text, 5).endsWith('data: [DONE]\n\n')).toBe(true);
		expect(t.done()).toBe(true);
	});
});

describe('failure classification (docs/providers/azure.md, "Errors"; docs/protocol.md, "Failure classification")', () => {
	const classify = (status: number, body = '', headers: Record<string, string> = {}) => azureAdaptor.classifyFailure(status, new Headers(headers), body);

	test('429 cools for retry-after-ms, retry-after, x-ms-retry-after-ms, or the seconds in the message', () => {
		expect(classify(429, fixture('error-429.json'), { 'retry-after-ms': '1500', 'retry-after': '2' })).toMatchObject({ kind: 'cool', retryAfterMs: 1500 });
		expect(classify(429, fixture('error-429.json'), { 'retry-after': '2' }).retryAfterMs).toBe(2000);
		expect(classify(429, '', { 'x-ms-retry-after-ms': '700' }).retryAfterMs).toBe(700);
		expect(classify(429, fixture('error-429.json')).retryAfterMs).toBe(6000);
	});

	test('keys, deployments and server faults', () => {
		expect(classify(401, '{"error":{"code":"401","message":"Access denied due to invalid subscription key"}}').kind).toBe('bad-key');
		expect(classify(403, '{"error":{"code":"403","message":"Traffic is not from an approved private endpoint."}}').kind).toBe('bad-key');
		expect(classify(404, fixture('error-deployment-not-found.json'))).toMatchObject({ kind: 'model-unavailable', message: expect.stringContaining('deployment') });
		for (const status of [500, 502, 503, 504, 408]) expect(classify(status).kind).toBe('retry');
		expect(classify(503, '', { 'retry-after': '3' }).retryAfterMs).toBe(3000);
	});

	test('golden 10: a 400 content filter goes to the client as content_filter', () => {
		expect(classify(400, fixture('error-content-filter.json'))).toMatchObject({
			kind: 'client',
			code: 'content_filter',
			type: 'invalid_request_error',
			param: 'prompt'
		});
		const inner = '{"error":{"message":"filtered","code":"400","innererror":{"code":"ResponsibleAIPolicyViolation"}}}';
		expect(classify(400, inner)).toMatchObject({ kind: 'client', code: 'content_filter' });
	});

	test('other 400s go to the client in OpenAI shape (a bare status code is no code)', () => {
		expect(classify(400, '{"error":{"code":"400","message":"Unrecognized request argument supplied: store"}}')).toEqual({
			kind: 'client',
			status: 400,
			message: 'Unrecognized request argument supplied: store',
			code: null,
			type: 'invalid_request_error',
			param: null
		});
		expect(classify(400, '{"error":{"code":"context_length_exceeded","message":"too long","param":"messages","type":"invalid_request_error"}}')).toMatchObject({
			code: 'context_length_exceeded',
			param: 'messages'
		});
	});
});
