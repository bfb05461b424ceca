import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { geminiAdaptor } from '../../src/lib/server/providers/gemini';
import { channelState } from '../../src/lib/server/testing/channel-state';
import { overloaded, rateLimited, startMockGemini, type MockGemini } from './mock-gemini';

let gemini: MockGemini;

beforeAll(async () => {
	gemini = await startMockGemini();
});
beforeEach(() => gemini.reset());
afterAll(async () => {
	await gemini?.close();
});

const channel = () => channelState(1, { type: 'gemini', baseUrl: `${gemini.url}/v1`, config: {}, keys: [{ id: 1, secret: gemini.key }] });

/** Sends a canonical body through the adaptor's request builder to the mock. */
async function call(body: Record<string, unknown>, { stream = false, secret = gemini.key } = {}) {
	const out = geminiAdaptor.buildRequest({ channel: channel(), secret, door: 'chat', body, rawBody: '', upstreamModel: 'gemini-2.5-flash', stream });
	return fetch(out.url, { method: 'POST', headers: out.headers, body: out.body });
}

async function translate(res: Response, clientWantsUsage = true) {
	const t = geminiAdaptor.createStreamTranslator({ publicModel: 'pub', clientWantsUsage, door: 'chat' });
	let out = '';
	const reader = res.body!.getReader();
	for (;;) {
		const { done, value } = await reader.read();
		if (done) break;
		out += t.push(value);
	}
	out += t.end();
	return { out, t };
}

const user = (content: string) => ({ role: 'user', content });

describe('answers', () => {
	test('non-stream text with usage, through the adaptor', async () => {
		gemini.enqueue({ kind: 'ok', text: 'Bonjour', usage: { prompt: 20, candidates: 3, thoughts: 7, cached: 8 } });
		const res = await call({ model: 'pub', messages: [{ role: 'system', content: 'Be brief.' }, user('hi')] });
		expect(res.status).toBe(200);
		const finished = geminiAdaptor.finishResponse('chat', await res.text(), 'pub');
		expect(JSON.parse(finished.body).choices[0].message.content).toBe('Bonjour');
		expect(finished.usage).toEqual({ inputUncached: 12, cacheRead: 8, cacheWrite: 0, output: 10, reasoning: 7 });
		const [recorded] = gemini.requests;
		expect(recorded).toMatchObject({ method: 'POST', path: '/v1beta/models/gemini-2.5-flash:generateContent', model: 'gemini-2.5-flash', stream: false });
		expect(recorded!.headers['x-goog-api-key']).toBe(gemini.key);
		expect(recorded!.problem).toBeUndefined();
	});

	test('stream with a signed thought and calls in separate events, then the tool results', async () => {
		gemini.enqueue({
			kind: 'ok',
			thought: 'Thinking…',
			thoughtSignature: 'T1',
			functionCalls: [{ name: 'get_weather', args: { city: 'Paris' } }, { name: 'get_time' }],
			callSignature: 'SIG1',
			callsInSeparateEvents: true
		});
		const tools = [
			{ type: 'function', function: { name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } }, additionalProperties: false } } },
			{ type: 'function', function: { name: 'get_time', parameters: { type: 'object', properties: {} } } }
		];
		const res = await call({ messages: [user('weather and time?')], tools }, { stream: true });
		expect(res.headers.get('content-type')).toContain('text/event-stream');
		const { out, t } = await translate(res);
		expect(t.done()).toBe(true);
		const chunks = out
			.split('\n\n')
			.filter((e) => e && e !== 'data: [DONE]')
			.map((e) => JSON.parse(e.slice(6)));
		const heads = chunks.flatMap((c) => c.choices[0]?.delta.tool_calls ?? []).filter((c: { id?: string }) => c.id);
		expect(heads.map((c: { index: number }) => c.index)).toEqual([0, 1]);
		expect(heads[0].extra_content).toEqual({ google: { thought_signature: 'SIG1' } });
		expect(gemini.requests[0]!.path).toBe('/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse');

		// The client sends the calls back with their results: named, counted, alternating.
		const message = { role: 'assistant', content: null, tool_calls: heads.map((h: { id: string; function: { name: string }; extra_content?: unknown }, k: number) => ({ id: h.id, type: 'function', function: { name: h.function.name, arguments: k === 0 ? '{"city":"Paris"}' : '{}' }, extra_content: h.extra_content })) };
		gemini.enqueue({ kind: 'ok', text: 'Sunny, 09:00.' });
		const next = await call({ messages: [user('weather and time?'), message, ...heads.map((h: { id: string }) => ({ role: 'tool', tool_call_id: h.id, content: 'ok' }))], tools });
		expect(next.status).toBe(200);
		const sent = gemini.requests[1]!.body as { contents: Array<{ role: string; parts: Array<Record<string, unknown>> }> };
		expect(sent.contents.map((c) => c.role)).toEqual(['user', 'model', 'user']);
		expect(sent.contents[1]!.parts[0]!.thoughtSignature).toBe('SIG1');
	});

	test('a blocked prompt', async () => {
		gemini.enqueue({ kind: 'ok', blockReason: 'SAFETY' });
		const finished = geminiAdaptor.finishResponse('chat', await (await call({ messages: [user('x')] })).text(), 'pub');
		expect(JSON.parse(finished.body).choices[0].finish_reason).toBe('content_filter');
	});
});

describe('scripted errors', () => {
	test('429 RESOURCE_EXHAUSTED with RetryInfo, 503 UNAVAILABLE', async () => {
		gemini.enqueue(rateLimited(7), overloaded());
		const first = await call({ messages: [user('x')] });
		expect(geminiAdaptor.classifyFailure(first.status, first.headers, await first.text())).toMatchObject({ kind: 'cool', status: 429, retryAfterMs: 7000 });
		const second = await call({ messages: [user('x')] });
		expect(geminiAdaptor.classifyFailure(second.status, second.headers, await second.text())).toMatchObject({ kind: 'retry', status: 503 });
	});

	test('an error event after the first event', async () => {
		gemini.enqueue({ kind: 'stream-error', afterEvents: 1 });
		const { t } = await translate(await call({ messages: [user('x')] }, { stream: true }));
		expect(t.state).toBe('committed');
		expect(t.error()).toMatch(/overloaded/);
		expect(t.done()).toBe(false);
	});
});

describe('validation', () => {
	const post = (path: string, body: unknown, headers: Record<string, string> = { 'x-goog-api-key': gemini.key }) =>
		fetch(`${gemini.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
	const ok = { contents: [{ role: 'user', parts: [{ text: 'hi' }] }] };
	const path = '/v1beta/models/gemini-2.5-flash:generateContent';

	test('a wrong key is API_KEY_INVALID (a bad key for the adaptor); a missing one is PERMISSION_DENIED', async () => {
		const wrong = await call({ messages: [user('x')] }, { secret: 'AIzaWrong' });
		expect(wrong.status).toBe(400);
		expect(geminiAdaptor.classifyFailure(wrong.status, wrong.headers, await wrong.text()).kind).toBe('bad-key');
		expect((await post(path, ok, {})).status).toBe(403);
	});

	test('paths, the key in the URL, streams without alt=sse', async () => {
		expect((await post(path, ok)).status).toBe(200);
		expect((await post('/v1/models/gemini-2.5-flash:generateContent', ok)).status).toBe(404);
		expect((await post(`${path}?key=${gemini.key}`, ok)).status).toBe(400);
		expect((await post('/v1beta/models/gemini-2.5-flash:streamGenerateContent', ok)).status).toBe(400);
	});

	test('bodies Gemini refuses', async () => {
		const refused = async (body: unknown, pattern: RegExp) => {
			const res = await post(path, body);
			expect(res.status).toBe(400);
			const error = (await res.json()) as { error: { status: string; message: string } };
			expect(error.error.status).toBe('INVALID_ARGUMENT');
			expect(error.error.message).toMatch(pattern);
		};
		await refused({ contents: [] }, /contents is not specified/);
		await refused({ contents: [{ role: 'user', parts: [{ text: 'a' }] }, { role: 'user', parts: [{ text: 'b' }] }] }, /alternate/);
		await refused({ contents: [{ role: 'assistant', parts: [{ text: 'a' }] }] }, /valid role/);
		await refused({ contents: [{ role: 'user', parts: [{ text: '' }] }] }, /oneof field 'data'/);
		await refused(
			{
				contents: [
					{ role: 'user', parts: [{ text: 'a' }] },
					{ role: 'model', parts: [{ functionCall: { name: 'f', args: {} } }, { functionCall: { name: 'g', args: {} } }] },
					{ role: 'user', parts: [{ functionResponse: { name: 'f', response: { output: 1 } } }] }
				]
			},
			/number of function response parts/
		);
		await refused(
			{
				contents: [
					{ role: 'user', parts: [{ text: 'a' }] },
					{ role: 'model', parts: [{ functionCall: { name: 'f', args: {} } }] },
					{ role: 'user', parts: [{ functionResponse: { response: { output: 1 } } }] }
				]
			},
			/Name cannot be empty/
		);
		await refused({ ...ok, tools: [{ functionDeclarations: [{ name: 'f', parameters: { type: 'object', properties: { a: { type: 'string' } }, additionalProperties: false } }] }] }, /additionalProperties/);
		await refused({ ...ok, generationConfig: { stopSequences: ['1', '2', '3', '4', '5', '6'] } }, /stop sequences/);
		expect(gemini.requests.every((r) => r.problem)).toBe(true);
	});
});
