import OpenAI from 'openai';
import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { createResponsesPassthroughTranslator } from '../../src/lib/server/providers/openai/responses-passthrough';
import { startMockResponses, type MockResponses } from './mock-responses';

let mock: MockResponses;
beforeAll(async () => {
	mock = await startMockResponses();
});
afterAll(() => mock.close());
beforeEach(() => mock.reset());

const client = () => new OpenAI({ baseURL: `${mock.url}/v1`, apiKey: 'sk-up', maxRetries: 0 });
const post = (body: unknown, headers: Record<string, string> = { authorization: 'Bearer sk-up' }) =>
	fetch(`${mock.url}/v1/responses`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });

describe('mock Responses upstream', () => {
	test('a non-stream answer the SDK reads; the request is recorded', async () => {
		mock.enqueue({ kind: 'ok', content: 'Hi there', usage: { input_tokens: 20, cached_tokens: 8, output_tokens: 5 } });
		const response = await client().responses.create({ model: 'gpt-5', input: 'hello' });
		expect(response.output_text).toBe('Hi there');
		expect(response.usage).toMatchObject({ input_tokens: 20, input_tokens_details: { cached_tokens: 8 }, output_tokens: 5, total_tokens: 25 });
		expect(mock.requests[0]).toMatchObject({ method: 'POST', path: '/v1/responses', body: { model: 'gpt-5', input: 'hello' } });
		expect(mock.requests[0]!.headers.authorization).toBe('Bearer sk-up');
	});

	test('a stream the SDK accumulates, with tool calls; the passthrough translator reads its usage', async () => {
		mock.enqueue({ kind: 'ok', content: 'Checking.', toolCalls: [{ call_id: 'call_1', name: 'shell', arguments: '{"command":["ls"]}' }] });
		const stream = client().responses.stream({ model: 'gpt-5', input: 'list files' });
		const final = await stream.finalResponse();
		expect(final.output_text).toBe('Checking.');
		expect(final.output[1]).toMatchObject({ type: 'function_call', call_id: 'call_1', arguments: '{"command":["ls"]}' });

		const res = await post({ model: 'gpt-5', input: 'x', stream: true });
		const t = createResponsesPassthroughTranslator({ publicModel: 'public', clientWantsUsage: false, door: 'responses' });
		const reader = res.body!.getReader();
		for (let r = await reader.read(); !r.done; r = await reader.read()) t.push(r.value);
		t.end();
		expect(t.done()).toBe(true);
		expect(t.usage()).toEqual({ inputUncached: 11, cacheRead: 0, cacheWrite: 0, output: 4, reasoning: 0 });
	});

	test('scripted errors with status, headers and body', async () => {
		mock.enqueue({ kind: 'error', status: 429, headers: { 'retry-after': '2' } });
		const res = await post({ model: 'gpt-5', input: 'x' });
		expect(res.status).toBe(429);
		expect(res.headers.get('retry-after')).toBe('2');
		expect(await res.json()).toMatchObject({ error: { type: 'rate_limit_error' } });
	});

	test('a mid-stream failure ends with response.failed', async () => {
		mock.enqueue({ kind: 'ok', midStreamError: 'boom' });
		const text = await (await post({ model: 'gpt-5', input: 'x', stream: true })).text();
		expect(text.trimEnd().split('\n\n').at(-1)).toMatch(/^event: response\.failed\n/);
	});

	test('malformed requests are refused with 400 in the OpenAI shape', async () => {
		expect((await post({ model: 'gpt-5', input: 'x' }, {})).status).toBe(400);
		const noModel = await post({ input: 'x' });
		expect(noModel.status).toBe(400);
		expect(await noModel.json()).toEqual({ error: { message: 'Missing required parameter: model', type: 'invalid_request_error', param: 'model', code: null } });
		expect((await post({ model: 'm', input: 'x', previous_response_id: 'resp_1' })).status).toBe(400);
		expect((await fetch(`${mock.url}/v1/chat/completions`, { method: 'POST', headers: { authorization: 'Bearer k' }, body: '{}' })).status).toBe(400);
	});
});
