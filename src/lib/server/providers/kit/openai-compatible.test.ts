import * as z from 'zod';
import { describe, expect, test } from 'vitest';
import { openAICompatible } from './openai-compatible';

const vendor = openAICompatible({ type: 'vendor', configSchema: z.strictObject({}) });
const channel = { baseUrl: 'https://api.vendor.example/v1', config: {} };

describe('openAICompatible', () => {
	test("what a vendor leaves out is OpenAI's behaviour", () => {
		expect(vendor.supports('chat') && vendor.supports('completions') && vendor.supports('embeddings')).toBe(true);
		expect(vendor.native('responses', channel)).toBe(false);
		const body = { model: 'm', messages: [] };
		const out = vendor.buildRequest({ channel, secret: 'sk', door: 'chat', body, rawBody: '{"model":"m","messages":[]}', upstreamModel: 'm', stream: false });
		expect(out).toMatchObject({ url: 'https://api.vendor.example/v1/chat/completions', body: '{"model":"m","messages":[]}' });
		expect(vendor.classifyFailure(402, new Headers(), '{}').kind).toBe('bad-key');
		expect(vendor.testBody('embeddings', 'e')).toEqual({ model: 'e', input: 'ping' });
	});

	test('a vendor narrows the doors and adds native ones of its own', () => {
		const narrow = openAICompatible({ type: 'v2', configSchema: z.strictObject({}), doors: ['chat'], alsoNative: (door, c) => door === 'responses' && c.config.on === true });
		expect(narrow.supports('embeddings')).toBe(false);
		expect(narrow.native('responses', { ...channel, config: { on: true } })).toBe(true);
		expect(narrow.native('responses', channel)).toBe(false);
	});

	test("a vendor's URL rule and body rewrite go through OpenAI's request: raw bytes when nothing changed, one serialisation otherwise", () => {
		const rewriting = openAICompatible({
			type: 'v3',
			configSchema: z.strictObject({}),
			url: (c, door) => `${c.baseUrl}/x/${door}`,
			rewriteBody: (body, door) => (door === 'chat' && body.drop === true ? { ...body, drop: undefined } : body)
		});
		const call = (body: Record<string, unknown>, over: { upstreamModel?: string; stream?: boolean } = {}) =>
			rewriting.buildRequest({ channel, secret: 'sk', door: 'chat', body, rawBody: `  ${JSON.stringify(body)}  `, upstreamModel: 'm', stream: false, ...over });
		const same = call({ model: 'm', messages: [] });
		expect(same).toEqual({ url: 'https://api.vendor.example/v1/x/chat', headers: { 'content-type': 'application/json', accept: 'application/json', authorization: 'Bearer sk' }, body: '  {"model":"m","messages":[]}  ' });
		expect(call({ model: 'm', drop: true }).body).toBe('{"model":"m"}');
		const streamed = call({ model: 'public', drop: true, stream_options: { extra: 1 } }, { stream: true });
		expect(JSON.parse(streamed.body)).toEqual({ model: 'm', stream_options: { extra: 1, include_usage: true } });
		expect(streamed.headers.accept).toBe('text/event-stream');
	});
});
