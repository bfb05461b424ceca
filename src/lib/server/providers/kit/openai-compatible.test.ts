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
});
