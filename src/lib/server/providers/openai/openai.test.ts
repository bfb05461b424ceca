import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { channelState } from '../../testing/channel-state';
import { openaiAdaptor } from '.';

const fixture = (name: string) => readFileSync(join(import.meta.dirname, 'fixtures', name), 'utf8');

/** The `data:` payloads and comments of an SSE fixture, in order. */
function sseEvents(text: string): Array<{ data?: string; comment?: string }> {
	return text
		.split('\n\n')
		.filter((block) => block.trim())
		.map((block) => (block.startsWith(':') ? { comment: block.slice(1) } : { data: block.replace(/^data: /, '') }));
}

const channel = channelState(1, { name: 'c', baseUrl: 'https://api.example.com/v1', models: new Set(['gpt-4o-mini']), keys: [{ id: 1, secret: 'sk-up' }], createdAt: 0 });

describe('request', () => {
	const body = { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }], temperature: 0.2 };
	const raw = JSON.stringify(body, null, 2);

	test('an unchanged non-stream body is forwarded byte for byte', () => {
		const out = openaiAdaptor.buildRequest({ channel, secret: 'sk-up', door: 'chat', body, rawBody: raw, upstreamModel: 'gpt-4o-mini', stream: false });
		expect(out.body).toBe(raw);
		expect(out.url).toBe('https://api.example.com/v1/chat/completions');
		expect(out.headers).toMatchObject({ authorization: 'Bearer sk-up', 'content-type': 'application/json' });
	});

	test('a mapped model and a stream are rewritten, everything else kept', () => {
		const streamed = { ...body, stream: true, stream_options: { foo: 1 } };
		const out = openaiAdaptor.buildRequest({
			channel,
			secret: 'sk-up',
			door: 'chat',
			body: streamed,
			rawBody: JSON.stringify(streamed),
			upstreamModel: 'vendor/x',
			stream: true
		});
		expect(JSON.parse(out.body)).toEqual({ ...streamed, model: 'vendor/x', stream_options: { foo: 1, include_usage: true } });
		expect(out.headers.accept).toBe('text/event-stream');
		expect(streamed.stream_options).toEqual({ foo: 1 }); // the caller's object is not mutated
	});

	test('each door has its path', () => {
		const path = (door: 'chat' | 'completions' | 'embeddings') =>
			openaiAdaptor.buildRequest({ channel, secret: 's', door, body, rawBody: raw, upstreamModel: 'gpt-4o-mini', stream: false }).url;
		expect([path('chat'), path('completions'), path('embeddings')]).toEqual([
			'https://api.example.com/v1/chat/completions',
			'https://api.example.com/v1/completions',
			'https://api.example.com/v1/embeddings'
		]);
	});
});

describe('non-stream response', () => {
	test('the public model name goes back and usage is normalized (cache reads apart)', () => {
		const finished = openaiAdaptor.finishResponse('chat', fixture('chat-completion.json'), 'gpt-4o');
		const body = JSON.parse(finished.body);
		expect(body.model).toBe('gpt-4o');
		expect(body.choices[0].message.tool_calls[0].function.arguments).toBe('{"city":"Paris"}');
		expect(finished.usage).toEqual({ inputUncached: 176, cacheRead: 1024, cacheWrite: 0, output: 85, reasoning: 0 });
	});

	test('DeepSeek reports cache hits in its own field', () => {
		expect(openaiAdaptor.finishResponse('chat', fixture('deepseek-usage.json'), 'deepseek-chat').usage).toEqual({
			inputUncached: 44,
			cacheRead: 256,
			cacheWrite: 0,
			output: 10,
			reasoning: 0
		});
	});

	test('missing usage is reported as missing, with the text to count', () => {
		const finished = openaiAdaptor.finishResponse('chat', JSON.stringify({ model: 'x', choices: [{ message: { content: 'abc' } }] }), 'y');
		expect(finished.usage).toBeUndefined();
		expect(finished.outputText).toBe('abc');
	});

	test('a body that is not a JSON object is refused', () => {
		expect(() => openaiAdaptor.finishResponse('chat', '<html>bad gateway</html>', 'm')).toThrow(/not JSON/);
		expect(() => openaiAdaptor.finishResponse('chat', '[1]', 'm')).toThrow();
	});

	test('error messages come from the OpenAI error body, or the text', () => {
		const h = new Headers();
		expect(openaiAdaptor.classifyFailure(400, h, '{"error":{"message":"Bad thing","type":"invalid_request_error"}}').message).toBe('Bad thing');
		expect(openaiAdaptor.classifyFailure(502, h, '<html>Bad Gateway</html>').message).toBe('<html>Bad Gateway</html>');
		expect(openaiAdaptor.classifyFailure(503, h, '').message).toBe('The upstream answered with HTTP 503');
	});
});

describe('failure classification (docs/protocol.md, "Failure classification")', () => {
	const classify = (status: number, body = '', headers: Record<string, string> = {}) =>
		openaiAdaptor.classifyFailure(status, new Headers(headers), body);

	test('rate limits cool the channel for retry-after; credit exhaustion disables the key', () => {
		expect(classify(429, '{"error":{"message":"slow down","code":"rate_limit_exceeded"}}', { 'retry-after': '7' })).toMatchObject({
			kind: 'cool',
			retryAfterMs: 7000
		});
		expect(classify(429, '', { 'retry-after-ms': '250' }).retryAfterMs).toBe(250);
		expect(classify(429, '{"error":{"message":"You exceeded your current quota","type":"insufficient_quota","code":"insufficient_quota"}}').kind).toBe(
			'bad-key'
		);
		expect(classify(529).kind).toBe('cool');
	});

	test('credentials, missing models, server faults and client mistakes', () => {
		expect(classify(401).kind).toBe('bad-key');
		expect(classify(403).kind).toBe('bad-key');
		expect(classify(402).kind).toBe('bad-key');
		expect(classify(404).kind).toBe('model-unavailable');
		for (const status of [500, 502, 503, 504, 408]) expect(classify(status).kind).toBe('retry');
		const client = classify(400, '{"error":{"message":"too long","type":"invalid_request_error","code":"context_length_exceeded","param":"messages"}}');
		expect(client).toMatchObject({ kind: 'client', code: 'context_length_exceeded', type: 'invalid_request_error', param: 'messages' });
		expect(classify(413).kind).toBe('client');
	});
});

describe('stream translation', () => {
	const encoder = new TextEncoder();
	const decoder = new TextDecoder();

	/** Feeds `text` in chunks of `size` bytes (0 = whole), as the network might cut it. */
	function translate(text: string, clientWantsUsage: boolean, size = 0) {
		const t = openaiAdaptor.createStreamTranslator({ publicModel: 'gpt-4o-mini', clientWantsUsage, door: 'chat' });
		const all = encoder.encode(text);
		let out = '';
		const step = size || all.length;
		for (let i = 0; i < all.length; i += step) {
			const piece = t.push(all.subarray(i, i + step));
			out += typeof piece === 'string' ? piece : decoder.decode(piece);
		}
		const rest = t.end();
		out += typeof rest === 'string' ? rest : decoder.decode(rest);
		return { out, t };
	}

	for (const size of [0, 1, 7, 64]) {
		test(`passes events through, renames the model, drops the unasked usage chunk but reads it (chunks of ${size || 'all'})`, () => {
			const { out, t } = translate(fixture('chat-stream-usage.sse'), false, size);
			expect(t.state).toBe('committed');
			expect(out).not.toContain('2024-07-18');
			expect(out).toContain('"model":"gpt-4o-mini"');
			expect(out).not.toContain('"usage":{');
			expect(out).toContain(': keep-alive\n\n');
			expect(out.endsWith('data: [DONE]\n\n')).toBe(true);
			expect(t.done()).toBe(true);
			expect(t.usage()).toEqual({ inputUncached: 176, cacheRead: 1024, cacheWrite: 0, output: 85, reasoning: 40 });
			expect(t.error()).toBeUndefined();
		});
	}

	test('an unchanged stream comes out byte for byte when the client wants usage', () => {
		const source = fixture('chat-stream-usage.sse').replaceAll('gpt-4o-mini-2024-07-18', 'gpt-4o-mini');
		expect(translate(source, true, 13).out).toBe(source);
	});

	test('CRLF framing works too', () => {
		const source = fixture('chat-stream-usage.sse').replaceAll('\n', '\r\n');
		const { out, t } = translate(source, false, 5);
		expect(t.usage()?.output).toBe(85);
		expect(out).not.toContain('"usage":{');
		expect(out).toContain('data: [DONE]');
	});

	test('without usage, the streamed text is kept for counting', () => {
		const source = fixture('chat-stream-usage.sse')
			.split('\n\n')
			.filter((e) => !e.includes('"usage":{'))
			.join('\n\n');
		const { t } = translate(source, false, 9);
		expect(t.usage()).toBeUndefined();
		expect(t.outputText()).toBe('Hello there');
	});

	test('an error event mid-stream is reported, not forwarded', () => {
		const { out, t } = translate(fixture('stream-error.sse'), false);
		expect(out).not.toContain('"error"');
		expect(t.error()).toContain('The server had an error');
		expect(t.done()).toBe(false);
	});

	test('an error as the first event refuses the commit', () => {
		const { out, t } = translate('data: {"error":{"message":"overloaded"}}\n\n', false);
		expect(t.state).toBe('rejected');
		expect(t.rejection()).toBe('overloaded');
		expect(out).toBe('');
		expect(translate('data: not json\n\n', false).t.state).toBe('rejected');
	});

	test('only complete events come out; the commit waits for the first complete data event', () => {
		const t = openaiAdaptor.createStreamTranslator({ publicModel: 'm', clientWantsUsage: false, door: 'chat' });
		// The relay holds what comes out before the commit; a comment is complete on its own.
		expect(decoder.decode(t.push(encoder.encode(': hello\n\ndata: {"choices":[]')) as Uint8Array)).toBe(': hello\n\n');
		expect(t.state).toBe('waiting');
		const out = t.push(encoder.encode(',"model":"m"}\n\n'));
		expect(t.state).toBe('committed');
		expect(decoder.decode(out as Uint8Array)).toBe('data: {"choices":[],"model":"m"}\n\n');
	});
});
