import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { anthropicAdaptor } from '../../src/lib/server/providers/anthropic';
import { channelState } from '../../src/lib/server/testing/channel-state';
import { overloaded, rateLimited, startMockAnthropic, type MockAnthropic } from './mock-anthropic';

let mock: MockAnthropic;
beforeAll(async () => {
	mock = await startMockAnthropic({ apiKey: 'sk-ant-test' });
});
afterAll(() => mock.close());
beforeEach(() => mock.reset());

const headers = { 'content-type': 'application/json', 'anthropic-version': '2023-06-01', 'x-api-key': 'sk-ant-test' };
const messages = [{ role: 'user', content: 'Hi' }];
type Json = Record<string, unknown>;

function post(body: unknown, extra: Record<string, string> = {}, path = '/v1/messages') {
	return fetch(`${mock.url}${path}`, { method: 'POST', headers: { ...headers, ...extra }, body: typeof body === 'string' ? body : JSON.stringify(body) });
}

async function errorOf(res: Response): Promise<{ status: number; type: string; message: string }> {
	const body = (await res.json()) as { type: string; error: { type: string; message: string } };
	expect(body.type).toBe('error');
	return { status: res.status, type: body.error.type, message: body.error.message };
}

/** `event:` names and data objects of an Anthropic stream. */
function events(text: string): Array<{ event: string; data: Json }> {
	return text
		.split('\n\n')
		.filter(Boolean)
		.map((block) => {
			const [eventLine, dataLine] = block.split('\n');
			return { event: eventLine!.slice('event: '.length), data: JSON.parse(dataLine!.slice('data: '.length)) as Json };
		});
}

describe('validation, like the real API', () => {
	test('path, version and key are checked', async () => {
		expect(await errorOf(await post({ model: 'c', max_tokens: 5, messages }, {}, '/v1/chat/completions'))).toMatchObject({ status: 404, type: 'not_found_error' });
		expect(await errorOf(await post({ model: 'c', max_tokens: 5, messages }, { 'anthropic-version': '' }))).toMatchObject({ status: 400, type: 'invalid_request_error' });
		expect(await errorOf(await post({ model: 'c', max_tokens: 5, messages }, { 'anthropic-version': '2024-01-01' }))).toMatchObject({ status: 400 });
		expect(await errorOf(await post({ model: 'c', max_tokens: 5, messages }, { 'x-api-key': 'wrong' }))).toMatchObject({ status: 401, type: 'authentication_error' });
		const bearer = await fetch(`${mock.url}/v1/messages?beta=true`, {
			method: 'POST',
			headers: { 'content-type': 'application/json', 'anthropic-version': '2026-10-21', authorization: 'Bearer sk-ant-test' },
			body: JSON.stringify({ model: 'c', max_tokens: 5, messages })
		});
		expect(bearer.status).toBe(200);
		expect(mock.requests.at(-1)).toMatchObject({ method: 'POST', path: '/v1/messages?beta=true', headers: { authorization: 'Bearer sk-ant-test' } });
	});

	test('the body: model, max_tokens, alternating turns from user, non-empty text, tool results right after their calls', async () => {
		const bad = async (body: unknown, extra: Record<string, string> = {}) => (await errorOf(await post(body, extra))).message;
		expect(await bad('not json')).toMatch(/JSON/);
		expect(await bad({ max_tokens: 5, messages })).toMatch(/model/);
		expect(await bad({ model: 'c', messages })).toMatch(/max_tokens/);
		expect(await bad({ model: 'c', max_tokens: 5, messages: [] })).toMatch(/messages/);
		expect(await bad({ model: 'c', max_tokens: 5, messages: [{ role: 'assistant', content: 'x' }] })).toMatch(/first message/);
		expect(await bad({ model: 'c', max_tokens: 5, messages: [...messages, ...messages] })).toMatch(/alternate/);
		expect(await bad({ model: 'c', max_tokens: 5, messages: [{ role: 'user', content: [{ type: 'text', text: '' }] }] })).toMatch(/non-empty/);
		const call = { role: 'assistant', content: [{ type: 'tool_use', id: 'toolu_1', name: 'f', input: {} }] };
		expect(await bad({ model: 'c', max_tokens: 5, messages: [...messages, call, { role: 'user', content: 'where is it' }] })).toMatch(/without tool_result/);
		const late = { role: 'user', content: [{ type: 'text', text: 'x' }, { type: 'tool_result', tool_use_id: 'toolu_1', content: 'r' }] };
		expect(await bad({ model: 'c', max_tokens: 5, messages: [...messages, call, late] })).toMatch(/first/);
		const stray = { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_9', content: 'r' }] };
		expect(await bad({ model: 'c', max_tokens: 5, messages: [...messages, { role: 'assistant', content: 'ok' }, stray] })).toMatch(/unexpected tool_use_id/);
		expect(await bad({ model: 'c', max_tokens: 5, messages, thinking: { type: 'enabled', budget_tokens: 1024 } })).toMatch(/budget_tokens/);
		const ok = { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_1', content: 'r' }, { type: 'text', text: 'thanks' }] };
		expect((await post({ model: 'c', max_tokens: 5, messages: [...messages, call, ok] })).status).toBe(200);
	});

	test('2026-10-21 refuses sampling parameters; 2023-06-01 takes them', async () => {
		const body = { model: 'c', max_tokens: 5, messages, temperature: 0.5 };
		expect(await errorOf(await post(body, { 'anthropic-version': '2026-10-21' }))).toMatchObject({ status: 400, message: /temperature/ });
		expect(await errorOf(await post({ ...body, temperature: undefined, top_k: 3 }, { 'anthropic-version': '2026-10-21' }))).toMatchObject({ message: /top_k/ });
		expect((await post(body)).status).toBe(200);
	});
});

describe('answers', () => {
	test('a default message, non-stream', async () => {
		const body = (await (await post({ model: 'claude-x', max_tokens: 5, messages })).json()) as Json;
		expect(body).toMatchObject({
			type: 'message',
			role: 'assistant',
			model: 'claude-x',
			content: [{ type: 'text', text: 'Hello from the mock Claude.' }],
			stop_reason: 'end_turn',
			usage: { input_tokens: 11, output_tokens: 4, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 }
		});
	});

	test('a scripted stream follows the real event sequence', async () => {
		mock.enqueue({
			kind: 'ok',
			thinking: [{ thinking: 'Let me think.', signature: 'sig1' }],
			text: 'Sure.',
			toolUses: [{ id: 'toolu_A', name: 'get_weather', input: { city: 'Paris' } }],
			usage: { input_tokens: 30, output_tokens: 40, cache_read_input_tokens: 200, cache_creation_input_tokens: 10 },
			chunks: 2
		});
		const res = await post({ model: 'c', max_tokens: 5, messages, stream: true });
		expect(res.headers.get('content-type')).toContain('text/event-stream');
		const list = events(await res.text());
		for (const e of list) expect(e.event).toBe(e.data.type);
		expect(list.map((e) => e.event)).toEqual([
			'message_start',
			'ping',
			...['content_block_start', 'content_block_delta', 'content_block_delta', 'content_block_delta', 'content_block_stop'],
			...['content_block_start', 'content_block_delta', 'content_block_delta', 'content_block_stop'],
			...['content_block_start', 'content_block_delta', 'content_block_delta', 'content_block_delta', 'content_block_stop'],
			'message_delta',
			'message_stop'
		]);
		expect(list[0]!.data).toMatchObject({ message: { usage: { input_tokens: 30, cache_read_input_tokens: 200, cache_creation_input_tokens: 10, output_tokens: 1 } } });
		expect(list.at(-2)!.data).toEqual({ type: 'message_delta', delta: { stop_reason: 'tool_use', stop_sequence: null }, usage: { output_tokens: 40 } });
	});

	test('scripted errors: 429 with retry-after, 529 overloaded, an in-band error event', async () => {
		mock.enqueue(rateLimited(7), overloaded(), { kind: 'stream-error', afterEvents: 3 });
		const limited = await post({ model: 'c', max_tokens: 5, messages });
		expect(limited.headers.get('retry-after')).toBe('7');
		expect(await errorOf(limited)).toMatchObject({ status: 429, type: 'rate_limit_error' });
		expect(await errorOf(await post({ model: 'c', max_tokens: 5, messages }))).toEqual({ status: 529, type: 'overloaded_error', message: 'Overloaded' });
		const list = events(await (await post({ model: 'c', max_tokens: 5, messages, stream: true })).text());
		expect(list.map((e) => e.event)).toEqual(['message_start', 'ping', 'content_block_start', 'error']);
	});
});

describe('through the adaptor', () => {
	const channel = (config: Json = {}) => channelState(1, { type: 'anthropic', baseUrl: `${mock.url}/v1`, config });

	async function call(body: Json, config: Json = {}, stream = false) {
		const out = anthropicAdaptor.buildRequest({ channel: channel(config), secret: 'sk-ant-test', door: 'chat', body, rawBody: JSON.stringify(body), upstreamModel: 'claude-sonnet-4-5', stream });
		return fetch(out.url, { method: 'POST', headers: out.headers, body: out.body });
	}

	const toolLoop = {
		model: 'claude',
		temperature: 0.4,
		messages: [
			{ role: 'system', content: 'Be brief.' },
			{ role: 'user', content: 'Weather in Paris and Rome?' },
			{
				role: 'assistant',
				content: null,
				tool_calls: [
					{ id: 'call_1', type: 'function', function: { name: 'weather.get', arguments: '{"city":"Paris"}' } },
					{ id: 'call_2', type: 'function', function: { name: 'weather.get', arguments: '{"city":"Rome"}' } }
				]
			},
			{ role: 'tool', tool_call_id: 'call_2', content: '21C' },
			{ role: 'user', content: 'Also, thanks.' }
		],
		tools: [{ type: 'function', function: { name: 'weather.get', parameters: { type: 'object', properties: { city: { type: 'string' } } } } }]
	};

	for (const version of ['2023-06-01', '2026-10-21']) {
		test(`a converted tool loop is accepted under ${version}, and tool calls come back under the client's names`, async () => {
			mock.enqueue({ kind: 'ok', toolUses: [{ id: 'toolu_X', name: 'fn--weather_2Eget', input: { city: 'Oslo' } }] });
			const res = await call(toolLoop, { anthropicVersion: version });
			expect(res.status).toBe(200);
			const sent = mock.requests.at(-1)!;
			expect(sent.headers[version === '2023-06-01' ? 'x-api-key' : 'authorization']).toBe(version === '2023-06-01' ? 'sk-ant-test' : 'Bearer sk-ant-test');
			expect((sent.body as Json).temperature).toBe(version === '2023-06-01' ? 0.4 : undefined);
			const finished = anthropicAdaptor.finishResponse('chat', await res.text(), 'claude');
			const completion = JSON.parse(finished.body) as { choices: Array<{ message: { tool_calls: Array<{ function: { name: string } }> }; finish_reason: string }> };
			expect(completion.choices[0]!.finish_reason).toBe('tool_calls');
			expect(completion.choices[0]!.message.tool_calls[0]!.function.name).toBe('weather.get');
		});
	}

	test('a converted stream goes through the translator to [DONE] with usage', async () => {
		mock.enqueue({ kind: 'ok', text: 'Bonjour à tous', usage: { input_tokens: 9, output_tokens: 3, cache_read_input_tokens: 100 } });
		const res = await call({ model: 'claude', messages: [{ role: 'user', content: 'hi' }] }, {}, true);
		const t = anthropicAdaptor.createStreamTranslator({ publicModel: 'claude', clientWantsUsage: true, door: 'chat' });
		let out = '';
		const reader = res.body!.getReader();
		for (let r = await reader.read(); !r.done; r = await reader.read()) {
			const piece = t.push(r.value);
			out += typeof piece === 'string' ? piece : new TextDecoder().decode(piece);
		}
		expect(t.done()).toBe(true);
		expect(out.endsWith('data: [DONE]\n\n')).toBe(true);
		expect(t.outputText()).toBe('Bonjour à tous');
		expect(t.usage()).toEqual({ inputUncached: 9, cacheRead: 100, cacheWrite: 0, output: 3, reasoning: 0 });
	});

	test('failures classify from the mock’s answers', async () => {
		mock.enqueue(rateLimited(2), overloaded());
		for (const expected of [{ kind: 'cool', retryAfterMs: 2000 }, { kind: 'cool' }]) {
			const res = await call({ model: 'claude', messages: [{ role: 'user', content: 'hi' }] });
			expect(anthropicAdaptor.classifyFailure(res.status, res.headers, await res.text())).toMatchObject(expected);
		}
		const unauthorised = await fetch(`${mock.url}/v1/messages`, { method: 'POST', headers: { ...headers, 'x-api-key': 'nope' }, body: '{}' });
		expect(anthropicAdaptor.classifyFailure(unauthorised.status, unauthorised.headers, await unauthorised.text()).kind).toBe('bad-key');
	});
});
