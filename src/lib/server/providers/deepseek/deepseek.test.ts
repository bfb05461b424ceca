import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import type { ChannelTarget } from '../../protocol/types';
import { feedTranslator, sseDataOf } from '../../testing/sse';
import { adaptorFor, channelTypes } from '../registry';
import type { BuildRequestInput } from '../types';
import { DEEPSEEK_BASE_URL, deepseekAdaptor, deepseekConfig } from '.';

const fixture = (name: string) => readFileSync(join(import.meta.dirname, 'fixtures', name), 'utf8');
const channel = (baseUrl = 'https://api.deepseek.com/v1', config: Record<string, unknown> = {}): ChannelTarget => ({ baseUrl, config });

function build(body: Record<string, unknown>, over: Partial<BuildRequestInput> = {}) {
	return deepseekAdaptor.buildRequest({ channel: channel(), secret: 'sk-ds', door: 'chat', body, rawBody: JSON.stringify(body), upstreamModel: 'deepseek-chat', stream: false, ...over });
}

describe('channel type', () => {
	test('is registered and listed with the other types', () => {
		expect(channelTypes()).toContain('deepseek');
		expect(adaptorFor('deepseek')).toBe(deepseekAdaptor);
		expect(DEEPSEEK_BASE_URL).toBe('https://api.deepseek.com');
	});

	test('its config is strict, with beta off by default', () => {
		expect(deepseekConfig.parse({})).toEqual({ beta: false });
		expect(deepseekConfig.safeParse({ responsesApi: true }).success).toBe(false);
		expect(deepseekConfig.safeParse({ beta: 'yes' }).success).toBe(false);
	});

	test('serves chat and completions natively, nothing else', () => {
		expect(['chat', 'completions', 'embeddings', 'messages', 'responses'].filter((d) => deepseekAdaptor.supports(d as never))).toEqual(['chat', 'completions']);
		expect(deepseekAdaptor.native('chat', channel())).toBe(true);
		expect(deepseekAdaptor.native('messages', channel())).toBe(false);
	});
});

describe('URLs', () => {
	test('with or without /v1, chat goes to /chat/completions on the API root', () => {
		for (const base of ['https://api.deepseek.com/v1', 'https://api.deepseek.com', 'https://api.deepseek.com/v1/']) {
			expect(build({ model: 'm', messages: [] }, { channel: channel(base) }).url).toBe('https://api.deepseek.com/chat/completions');
		}
	});

	test('beta channels and FIM completions use /beta; a proxy prefix is kept', () => {
		expect(build({ model: 'm', messages: [] }, { channel: channel('https://api.deepseek.com/v1', { beta: true }) }).url).toBe('https://api.deepseek.com/beta/chat/completions');
		expect(build({ model: 'm', prompt: 'def f(', suffix: ')' }, { door: 'completions' }).url).toBe('https://api.deepseek.com/beta/completions');
		expect(build({ model: 'm', messages: [] }, { channel: channel('https://proxy.example/deepseek/v1') }).url).toBe('https://proxy.example/deepseek/chat/completions');
	});

	test('a door it does not serve is refused', () => {
		expect(() => build({ model: 'm', input: 'x' }, { door: 'embeddings' })).toThrow(/do not serve embeddings/);
	});
});

describe('request', () => {
	test('an unchanged body is forwarded byte for byte, with a bearer key', () => {
		const body = { model: 'deepseek-chat', messages: [{ role: 'user', content: 'hi' }] };
		const raw = JSON.stringify(body, null, 2);
		const out = build(body, { rawBody: raw });
		expect(out.body).toBe(raw);
		expect(out.headers).toMatchObject({ authorization: 'Bearer sk-ds', accept: 'application/json' });
	});

	test("earlier turns' reasoning_content is dropped (DeepSeek refuses it), the rest kept", () => {
		const messages = [
			{ role: 'user', content: 'hi' },
			{ role: 'assistant', content: 'hello', reasoning_content: 'greet back' },
			{ role: 'user', content: 'and?' }
		];
		const sent = JSON.parse(build({ model: 'deepseek-reasoner', messages, temperature: 1 }, { upstreamModel: 'deepseek-reasoner' }).body);
		expect(sent).toEqual({ model: 'deepseek-reasoner', temperature: 1, messages: [messages[0], { role: 'assistant', content: 'hello' }, messages[2]] });
		expect(messages[1]).toHaveProperty('reasoning_content');
	});

	test('a stream asks for the usage chunk', () => {
		const body = { model: 'deepseek-chat', messages: [{ role: 'user', content: 'hi' }], stream: true };
		expect(JSON.parse(build(body, { stream: true }).body).stream_options).toEqual({ include_usage: true });
	});
});

describe('answers', () => {
	test('cache hits and misses become cache reads and uncached input; reasoning counts as text', () => {
		const finished = deepseekAdaptor.finishResponse('chat', fixture('chat-completion-reasoner.json'), 'reasoner');
		expect(finished.usage).toEqual({ inputUncached: 56, cacheRead: 64, cacheWrite: 0, output: 30, reasoning: 22 });
		expect(JSON.parse(finished.body).model).toBe('reasoner');
		expect(JSON.parse(finished.body).choices[0].message.reasoning_content).toBe('Two plus two is four.');
		expect(finished.outputText).toBe('Two plus two is four.4');
	});

	test('a stream passes reasoning deltas and keep-alives through, and reads the usage', () => {
		const t = deepseekAdaptor.createStreamTranslator({ publicModel: 'reasoner', clientWantsUsage: false, door: 'chat' });
		const out = feedTranslator(t, fixture('chat-stream-reasoner.sse'), 7);
		expect(out).toContain(': keep-alive');
		const events = sseDataOf(out);
		expect(events.at(-1)).toBe('[DONE]');
		expect(events.some((e) => typeof e === 'object' && e !== null && (e as { choices: unknown[] }).choices.length === 0)).toBe(false);
		expect(out).not.toContain('deepseek-reasoner');
		expect(t.state).toBe('committed');
		expect(t.done()).toBe(true);
		expect(t.usage()).toEqual({ inputUncached: 56, cacheRead: 64, cacheWrite: 0, output: 30, reasoning: 22 });
	});

	test('a usage report without the cache fields is read as OpenAI’s', () => {
		const text = JSON.stringify({ id: 'x', object: 'chat.completion', model: 'm', choices: [], usage: { prompt_tokens: 10, completion_tokens: 2, prompt_tokens_details: { cached_tokens: 4 } } });
		expect(deepseekAdaptor.finishResponse('chat', text, 'm').usage).toEqual({ inputUncached: 6, cacheRead: 4, cacheWrite: 0, output: 2, reasoning: 0 });
	});
});

describe('errors', () => {
	const classify = (status: number, text: string) => deepseekAdaptor.classifyFailure(status, new Headers(), text);

	test('402 insufficient balance disables the key; 422 is the client’s, passed on', () => {
		expect(classify(402, fixture('error-402.json'))).toMatchObject({ kind: 'bad-key', message: 'Insufficient Balance' });
		expect(classify(422, fixture('error-422.json'))).toMatchObject({ kind: 'client', type: 'invalid_request_error', code: 'invalid_request_error' });
	});

	test('429 cools the channel down, 503 tries another', () => {
		expect(deepseekAdaptor.classifyFailure(429, new Headers({ 'retry-after': '3' }), '{}')).toMatchObject({ kind: 'cool', retryAfterMs: 3000 });
		expect(classify(503, 'Server overloaded')).toMatchObject({ kind: 'retry', message: 'Server overloaded' });
	});
});
