import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as z from 'zod';
import { describe, expect, test } from 'vitest';
import type { ChannelTarget } from '../../protocol/types';
import type { BuildRequestInput, Door } from '../types';
import { anthropicAdaptor, anthropicConfig, UpstreamRequestError } from '.';
import { fromAnthropicName, toAnthropicId, toAnthropicName } from './names';

const fixture = (name: string) => readFileSync(join(import.meta.dirname, 'fixtures', name), 'utf8');
const json = (name: string) => JSON.parse(fixture(name)) as Record<string, unknown>;

function channel(config: Record<string, unknown> = {}): ChannelTarget {
	return { baseUrl: 'https://api.anthropic.com/v1', config };
}

function build(body: Record<string, unknown>, over: Partial<BuildRequestInput> = {}) {
	return anthropicAdaptor.buildRequest({
		channel: channel(),
		secret: 'sk-ant-up',
		door: 'chat',
		body,
		rawBody: JSON.stringify(body),
		upstreamModel: 'claude-sonnet-4-5',
		stream: false,
		...over
	});
}

/** The Anthropic body a canonical chat request becomes. */
function convert(body: Record<string, unknown>, model = 'claude-sonnet-4-5', config: Record<string, unknown> = {}) {
	return JSON.parse(build(body, { upstreamModel: model, channel: channel(config) }).body);
}

const user = (content: unknown) => ({ role: 'user', content });

describe('config', () => {
	test('defaults: 2023-06-01 with x-api-key; bearer is the default under 2026-10-21', () => {
		expect(anthropicConfig.parse({})).toEqual({ anthropicVersion: '2023-06-01' });
		expect(anthropicConfig.parse({ timeouts: { connectMs: 500 } })).toMatchObject({ timeouts: { connectMs: 500 } });
		expect(() => anthropicConfig.parse({ anthropicVersion: '2024-01-01' })).toThrow();
		expect(build({ model: 'm', messages: [user('hi')] }).headers).toMatchObject({ 'x-api-key': 'sk-ant-up', 'anthropic-version': '2023-06-01' });
		const v2 = build({ model: 'm', messages: [user('hi')] }, { channel: channel({ anthropicVersion: '2026-10-21' }) }).headers;
		expect(v2).toMatchObject({ authorization: 'Bearer sk-ant-up', 'anthropic-version': '2026-10-21' });
		expect(v2['x-api-key']).toBeUndefined();
		const explicit = build({ model: 'm', messages: [user('hi')] }, { channel: channel({ anthropicVersion: '2026-10-21', authHeader: 'x-api-key' }) });
		expect(explicit.headers['x-api-key']).toBe('sk-ant-up');
	});

	test('every field carries a description for the form, and the schema is the adaptor’s', () => {
		expect(anthropicAdaptor.configSchema).toBe(anthropicConfig);
		const schema = z.toJSONSchema(anthropicConfig) as { properties: Record<string, { description?: string }> };
		for (const field of ['anthropicVersion', 'authHeader', 'betas']) expect(schema.properties[field]?.description).toBeTruthy();
	});

	test('doors: chat converted, messages native', () => {
		const doors: Door[] = ['chat', 'completions', 'embeddings', 'messages', 'responses'];
		expect(doors.filter((d) => anthropicAdaptor.supports(d))).toEqual(['chat']);
		expect(doors.filter((d) => anthropicAdaptor.native(d, channel()))).toEqual(['messages']);
		expect(anthropicAdaptor.testBody('chat', 'claude-x')).toEqual({ model: 'claude-x', max_tokens: 1, messages: [{ role: 'user', content: 'ping' }] });
	});
});

describe('request: URL and headers', () => {
	test('converted requests go to {baseUrl}/messages with the configured betas', () => {
		const out = build({ model: 'm', messages: [user('hi')] }, { channel: channel({ betas: ['context-1m-2025-08-07', 'x-beta'] }), stream: true });
		expect(out.url).toBe('https://api.anthropic.com/v1/messages');
		expect(out.headers).toEqual({
			'content-type': 'application/json',
			accept: 'text/event-stream',
			'anthropic-version': '2023-06-01',
			'x-api-key': 'sk-ant-up',
			'anthropic-beta': 'context-1m-2025-08-07,x-beta'
		});
	});

	test('passthrough forwards the client’s anthropic-beta, sends the channel’s version, not its betas', () => {
		const body = { model: 'claude-sonnet-4-5', max_tokens: 10, messages: [user('hi')] };
		const out = build(body, {
			door: 'messages',
			channel: channel({ betas: ['ours'] }),
			clientHeaders: new Headers({ 'anthropic-beta': 'interleaved-thinking-2025-05-14,fine-grained-tool-streaming-2025-05-14', 'anthropic-version': '2026-10-21' })
		});
		expect(out.headers['anthropic-beta']).toBe('interleaved-thinking-2025-05-14,fine-grained-tool-streaming-2025-05-14');
		expect(out.headers['anthropic-version']).toBe('2023-06-01');
		expect(build(body, { door: 'messages' }).headers['anthropic-beta']).toBeUndefined();
	});
});

describe('request: passthrough body', () => {
	const body = {
		model: 'claude-sonnet-4-5',
		max_tokens: 1024,
		temperature: 0.7,
		top_k: 5,
		system: [
			{ type: 'text', text: 'x-anthropic-billing-header: cc_version=1' },
			{ type: 'text', text: 'Be brief.', cache_control: { type: 'ephemeral', ttl: '1h' } }
		],
		thinking: { type: 'enabled', budget_tokens: 2000 },
		messages: [
			user('Weather?'),
			{
				role: 'assistant',
				content: [
					{ type: 'thinking', thinking: 'Need a tool.', signature: 'EqQBCgIYAh+/==\u00e9' },
					{ type: 'redacted_thinking', data: 'EmwKAhgB/+==' },
					{ type: 'tool_use', id: 'toolu_1', name: 'get_weather', input: { city: 'Paris' } }
				]
			},
			{ role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_1', content: '18C', cache_control: { type: 'ephemeral' } }] }
		]
	};
	const raw = JSON.stringify(body, null, 1);

	test('unchanged bodies go up byte for byte', () => {
		expect(build(body, { door: 'messages', rawBody: raw }).body).toBe(raw);
	});

	test('a mapped model keeps cache_control, system blocks and signatures exactly', () => {
		const out = JSON.parse(build(body, { door: 'messages', rawBody: raw, upstreamModel: 'claude-sonnet-4-5-20250929' }).body);
		expect(out).toEqual({ ...body, model: 'claude-sonnet-4-5-20250929' });
		expect(out.messages[1].content[0].signature).toBe('EqQBCgIYAh+/==\u00e9');
		expect(body.model).toBe('claude-sonnet-4-5'); // the caller's object is untouched
	});

	test('under 2026-10-21 temperature, top_p and top_k are dropped; under 2023-06-01 kept', () => {
		const v2 = JSON.parse(build(body, { door: 'messages', rawBody: raw, channel: channel({ anthropicVersion: '2026-10-21' }) }).body);
		expect(v2.temperature).toBeUndefined();
		expect(v2.top_k).toBeUndefined();
		expect(v2.system).toEqual(body.system);
		expect(v2.messages).toEqual(body.messages);
		expect(build(body, { door: 'messages', rawBody: raw }).body).toContain('"temperature": 0.7');
	});
});

describe('request: canonical → Messages (docs/providers/anthropic.md, "Request mapping")', () => {
	test('golden 2, 4, 6, 7: system collection, merged turns, parallel tool results first, signed thinking, sanitised names', () => {
		const out = JSON.parse(build(json('chat-tool-loop.request.json'), { stream: true }).body);
		expect(out).toEqual(json('chat-tool-loop.expected.json'));
	});

	test('golden 1: a plain request; max_tokens defaults, max_completion_tokens wins', () => {
		expect(convert({ model: 'x', messages: [user('Hello')] })).toEqual({ model: 'claude-sonnet-4-5', max_tokens: 4096, messages: [user([{ type: 'text', text: 'Hello' }])] });
		expect(convert({ model: 'x', messages: [user('Hello')], max_tokens: 50, max_completion_tokens: 70 }).max_tokens).toBe(70);
	});

	test('golden 3: data URLs with parameters, image/jpg, https images, PDF and text files', () => {
		const out = convert({
			model: 'x',
			messages: [
				user([
					{ type: 'text', text: 'What is this?' },
					{ type: 'image_url', image_url: { url: 'data:image/png;name=shot.png;base64,iVBORw0KGgo=' } },
					{ type: 'image_url', image_url: { url: 'data:image/jpg;base64,/9j/4AAQ' }, cache_control: { type: 'ephemeral' } },
					{ type: 'image_url', image_url: { url: 'https://example.com/cat.webp', detail: 'high' } },
					{ type: 'file', file: { filename: 'a.pdf', file_data: 'data:application/pdf;base64,JVBERi0xLjQ=' } },
					{ type: 'file', file: { filename: 'n.txt', file_data: 'data:text/plain;charset=utf-8;base64,aGVsbG8=' } }
				])
			]
		});
		expect(out.messages[0].content).toEqual([
			{ type: 'text', text: 'What is this?' },
			{ type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'iVBORw0KGgo=' } },
			{ type: 'image', source: { type: 'base64', media_type: 'image/jpeg', data: '/9j/4AAQ' }, cache_control: { type: 'ephemeral' } },
			{ type: 'image', source: { type: 'url', url: 'https://example.com/cat.webp' } },
			{ type: 'document', source: { type: 'base64', media_type: 'application/pdf', data: 'JVBERi0xLjQ=' } },
			{ type: 'document', source: { type: 'text', media_type: 'text/plain', data: 'hello' } }
		]);
	});

	test('audio, uploaded file ids and n > 1 are refused as the client’s request errors', () => {
		const refused = (body: Record<string, unknown>) => {
			try {
				convert(body);
			} catch (err) {
				return err;
			}
			return undefined;
		};
		const audio = refused({ model: 'x', messages: [user([{ type: 'input_audio', input_audio: { data: 'AAAA', format: 'wav' } }])] });
		expect(audio).toBeInstanceOf(UpstreamRequestError);
		expect(refused({ model: 'x', messages: [user([{ type: 'file', file: { file_id: 'file-1' } }])] })).toBeInstanceOf(UpstreamRequestError);
		const n = refused({ model: 'x', n: 2, messages: [user('hi')] });
		expect(n).toBeInstanceOf(UpstreamRequestError);
		expect((n as UpstreamRequestError).param).toBe('n');
		expect(convert({ model: 'x', n: 1, messages: [user('hi')] }).n).toBeUndefined();
	});

	test.each(JSON.parse(fixture('refused-parts.json')) as Array<{ shows: string; messages: unknown[]; error: string }>)('a part Anthropic cannot take is refused, not dropped: $shows', ({ messages, error }) => {
		expect(() => convert({ model: 'x', messages })).toThrow(expect.objectContaining({ name: 'UpstreamRequestError', message: error }));
	});

	test('an assistant refusal part goes back as text; images and PDFs in a tool result stay in it', () => {
		const out = convert({
			model: 'x',
			messages: [
				user('go'),
				{ role: 'assistant', content: [{ type: 'refusal', refusal: 'I will not.' }], tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'f', arguments: '{}' } }] },
				{ role: 'tool', tool_call_id: 'call_1', content: [{ type: 'text', text: 'shot' }, { type: 'image_url', image_url: { url: 'data:image/png;base64,iVBORw0KGgo=' } }, { type: 'file', file: { file_data: 'data:application/pdf;base64,JVBERi0=' } }] }
			]
		});
		const turns = out.messages as Array<{ role: string; content: Array<Record<string, unknown>> }>;
		expect(turns[1]!.content[0]).toEqual({ type: 'text', text: 'I will not.' });
		expect(turns[2]!.content[0]).toMatchObject({
			type: 'tool_result',
			content: [
				{ type: 'text', text: 'shot' },
				{ type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'iVBORw0KGgo=' } },
				{ type: 'document', source: { type: 'base64', media_type: 'application/pdf', data: 'JVBERi0=' } }
			]
		});
	});

	test('golden 5: a tool without parameters gets an empty object schema; tool_choice mapping', () => {
		const tools = [{ type: 'function', function: { name: 'now' } }];
		const out = convert({ model: 'x', messages: [user('time?')], tools, tool_choice: 'required' });
		expect(out.tools).toEqual([{ name: 'now', input_schema: { type: 'object', properties: {} } }]);
		expect(out.tool_choice).toEqual({ type: 'any' });
		expect(convert({ model: 'x', messages: [user('t')], tools, tool_choice: 'none' }).tool_choice).toEqual({ type: 'none' });
		expect(convert({ model: 'x', messages: [user('t')], tools, tool_choice: { type: 'function', function: { name: 'now' } } }).tool_choice).toEqual({
			type: 'tool',
			name: 'now'
		});
		expect(convert({ model: 'x', messages: [user('t')], tools, parallel_tool_calls: false }).tool_choice).toEqual({ type: 'auto', disable_parallel_tool_use: true });
		expect(convert({ model: 'x', messages: [user('t')], tools, tool_choice: 'none', parallel_tool_calls: false }).tool_choice).toEqual({ type: 'none' });
		expect(convert({ model: 'x', messages: [user('t')], tool_choice: 'auto' }).tool_choice).toBeUndefined(); // no tools, no choice
		const strict = convert({ model: 'x', messages: [user('t')], tools: [{ type: 'function', function: { name: 'f', strict: true, parameters: { properties: {} } } }] });
		expect(strict.tools).toEqual([{ name: 'f', input_schema: { type: 'object', properties: {} }, strict: true }]);
	});

	test('a tool call without a result gets a synthesized error result; stray results become text', () => {
		const out = convert({
			model: 'x',
			messages: [
				user('go'),
				{ role: 'assistant', content: null, tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'a', arguments: '{}' } }] },
				user('never mind'),
				{ role: 'tool', tool_call_id: 'call_zzz', content: 'late' }
			]
		});
		expect(out.messages).toEqual([
			user([{ type: 'text', text: 'go' }]),
			{ role: 'assistant', content: [{ type: 'tool_use', id: 'call_1', name: 'a', input: {} }] },
			user([
				{ type: 'tool_result', tool_use_id: 'call_1', content: '(no result)', is_error: true },
				{ type: 'text', text: 'never mind' },
				{ type: 'text', text: '[tool result call_zzz] late' }
			])
		]);
	});

	test('empty turns are dropped, the first turn is a user turn, and a prefill loses trailing whitespace', () => {
		const out = convert({
			model: 'x',
			messages: [{ role: 'assistant', content: 'Hi! ' }, user(''), user([{ type: 'text', text: '  ' }]), user('Story?'), { role: 'assistant', content: 'Once upon \n' }]
		});
		expect(out.messages).toEqual([
			user([{ type: 'text', text: '.' }]),
			{ role: 'assistant', content: [{ type: 'text', text: 'Hi! ' }] },
			user([{ type: 'text', text: 'Story?' }]),
			{ role: 'assistant', content: [{ type: 'text', text: 'Once upon' }] }
		]);
		expect(convert({ model: 'x', messages: [{ role: 'system', content: 'only system' }] }).messages).toEqual([user([{ type: 'text', text: '.' }])]);
	});

	test('sampling: temperature clamped, top_p dropped next to temperature, top_k kept; stop and user', () => {
		expect(convert({ model: 'x', messages: [user('a')], temperature: 1.7, top_p: 0.9, top_k: 40, stop: 'END', user: 'u1' })).toMatchObject({
			temperature: 1,
			top_k: 40,
			stop_sequences: ['END'],
			metadata: { user_id: 'u1' }
		});
		expect(convert({ model: 'x', messages: [user('a')], temperature: 1.7, top_p: 0.9 }).top_p).toBeUndefined();
		expect(convert({ model: 'x', messages: [user('a')], top_p: 0.9 }).top_p).toBe(0.9);
	});

	test('under 2026-10-21 the converted body carries no temperature, top_p or top_k', () => {
		const out = convert({ model: 'x', messages: [user('a')], temperature: 0.2, top_k: 3 }, 'claude-sonnet-4-5', { anthropicVersion: '2026-10-21' });
		expect(out).not.toHaveProperty('temperature');
		expect(out).not.toHaveProperty('top_k');
		expect(convert({ model: 'x', messages: [user('a')], top_p: 0.5 }, 'claude-sonnet-4-5', { anthropicVersion: '2026-10-21' })).not.toHaveProperty('top_p');
	});

	test('golden 8: json_schema goes to output_config.format unchanged ($defs, anyOf null, additionalProperties, integer enum)', () => {
		const schema = {
			type: 'object',
			$defs: { tag: { type: 'string' } },
			properties: {
				name: { anyOf: [{ type: 'string' }, { type: 'null' }] },
				level: { type: 'integer', enum: [1, 2, 3] },
				tags: { type: 'array', items: { $ref: '#/$defs/tag' } }
			},
			required: ['name', 'level', 'tags'],
			additionalProperties: false
		};
		const out = convert({ model: 'x', messages: [user('a')], response_format: { type: 'json_schema', json_schema: { name: 'p', schema, strict: true } } });
		expect(out.output_config).toEqual({ format: { type: 'json_schema', schema } });
		expect(out.tools).toBeUndefined();
	});

	test('golden 8 fallback: older models get the forced json_response tool, and thinking is dropped for it', () => {
		const schema = { type: 'object', properties: { name: { type: 'string' } } };
		const out = convert(
			{ model: 'x', messages: [user('a')], reasoning_effort: 'high', response_format: { type: 'json_schema', json_schema: { name: 'p', schema } } },
			'claude-3-7-sonnet-20250219'
		);
		expect(out.tools).toEqual([{ name: 'json_response', description: expect.any(String), input_schema: schema }]);
		expect(out.tool_choice).toEqual({ type: 'tool', name: 'json_response' });
		expect(out.thinking).toBeUndefined();
		expect(out.output_config).toBeUndefined();
		// A client tool that happens to be called json_response is kept apart from ours.
		const clash = convert({ model: 'x', messages: [user('a')], tools: [{ type: 'function', function: { name: 'json_response' } }] });
		expect(clash.tools[0].name).not.toBe('json_response');
	});

	test('json_object asks for JSON in the system prompt', () => {
		expect(convert({ model: 'x', messages: [{ role: 'system', content: 'Be nice.' }, user('a')], response_format: { type: 'json_object' } }).system).toBe(
			'Be nice.\n\nRespond with a single JSON object only.'
		);
	});

	test('thinking: effort and budget map to budget_tokens inside max_tokens; adaptive on 4.6+', () => {
		const low = convert({ model: 'x', messages: [user('a')], reasoning_effort: 'low', max_tokens: 1500, temperature: 0.3, top_k: 4, top_p: 0.97 });
		expect(low).toMatchObject({ thinking: { type: 'enabled', budget_tokens: 1024 }, max_tokens: 1500, top_p: 0.97 });
		expect(low).not.toHaveProperty('temperature');
		expect(low).not.toHaveProperty('top_k');
		// The limit includes reasoning (OpenAI's meaning, and what the call reserved): a budget
		// that does not fit shrinks to half the limit, and thinking is off below Anthropic's minimum.
		expect(convert({ model: 'x', messages: [user('a')], reasoning_effort: 'xhigh', max_tokens: 6000 })).toMatchObject({
			thinking: { type: 'enabled', budget_tokens: 3000 },
			max_tokens: 6000
		});
		const tight = convert({ model: 'x', messages: [user('a')], reasoning_effort: 'low', max_tokens: 500, temperature: 0.3 });
		expect(tight).toMatchObject({ max_tokens: 500, temperature: 0.3 });
		expect(tight).not.toHaveProperty('thinking');
		expect(convert({ model: 'x', messages: [user('a')], thinking_budget: 300, max_tokens: 8000 })).toMatchObject({
			thinking: { type: 'enabled', budget_tokens: 1024 },
			max_tokens: 8000
		});
		expect(convert({ model: 'x', messages: [user('a')], reasoning_effort: 'none' }).thinking).toBeUndefined();
		expect(convert({ model: 'x', messages: [user('a')], reasoning_effort: 'high' }, 'claude-opus-4-6')).toMatchObject({
			thinking: { type: 'adaptive' },
			output_config: { effort: 'high' },
			max_tokens: 4096
		});
		expect(convert({ model: 'x', messages: [user('a')], reasoning_effort: 'high' }, 'claude-3-5-haiku-20241022').thinking).toBeUndefined();
	});

	test('golden 7 fallback: a tool-calling turn without its signed thinking sends the request without thinking', () => {
		const history = [
			user('Weather?'),
			{
				role: 'assistant',
				content: null,
				reasoning_content: 'from another provider',
				thinking_blocks: [{ type: 'thinking', thinking: 'unsigned' }],
				tool_calls: [{ id: 'toolu_1', type: 'function', function: { name: 'w', arguments: '{}' } }]
			},
			{ role: 'tool', tool_call_id: 'toolu_1', content: 'sunny' }
		];
		const out = convert({ model: 'x', messages: history, reasoning_effort: 'medium' });
		expect(out.thinking).toBeUndefined();
		expect(out.messages[1].content).toEqual([{ type: 'tool_use', id: 'toolu_1', name: 'w', input: {} }]);
		// Without thinking on, even signed blocks stay home.
		const signed = JSON.parse(JSON.stringify(history));
		signed[1]!.thinking_blocks = [{ type: 'thinking', thinking: 't', signature: 'sig' }];
		expect(convert({ model: 'x', messages: signed }).messages[1].content[0].type).toBe('tool_use');
		expect(convert({ model: 'x', messages: signed, reasoning_effort: 'low' }).messages[1].content[0]).toEqual({ type: 'thinking', thinking: 't', signature: 'sig' });
	});
});

describe('tool names and ids', () => {
	test('valid names are kept; others are encoded reversibly within Anthropic’s alphabet', () => {
		for (const name of ['get_weather', 'a-b', 'x'.repeat(64)]) expect(toAnthropicName(name)).toBe(name);
		for (const name of ['server.tool', 'ns:tool/v2', 'météo', 'fn--x', 'json_response', '', 'a__b.c']) {
			const up = toAnthropicName(name);
			expect(up).toMatch(/^[a-zA-Z0-9_-]{1,64}$/);
			expect(fromAnthropicName(up)).toBe(name);
		}
		expect(fromAnthropicName('toolu_plain')).toBe('toolu_plain');
		expect(toAnthropicName('a.'.repeat(40))).toMatch(/^fnh-[a-zA-Z0-9_-]+$/);
		expect(toAnthropicName('a.'.repeat(40)).length).toBeLessThanOrEqual(64);
	});

	test('ids: valid kept, others made valid deterministically and kept apart', () => {
		expect(toAnthropicId('call_abc-1')).toBe('call_abc-1');
		expect(toAnthropicId('a.b')).toMatch(/^[a-zA-Z0-9_-]+$/);
		expect(toAnthropicId('a.b')).toBe(toAnthropicId('a.b'));
		expect(toAnthropicId('a.b')).not.toBe(toAnthropicId('a:b'));
	});
});

describe('non-stream response → chat.completion (docs/providers/anthropic.md, "Non-stream response")', () => {
	test('golden 4, 7, 12: text joined, tool calls under the client’s names, thinking kept with signatures, usage arithmetic', () => {
		const finished = anthropicAdaptor.finishResponse('chat', fixture('message-thinking-tools.json'), 'claude-public');
		const body = JSON.parse(finished.body);
		expect(body).toMatchObject({ id: 'msg_01ThinkTools', object: 'chat.completion', model: 'claude-public' });
		expect(body.choices[0]).toEqual({
			index: 0,
			logprobs: null,
			finish_reason: 'tool_calls',
			message: {
				role: 'assistant',
				content: 'Let me check both cities.',
				refusal: null,
				reasoning_content: 'The user wants weather for two cities.',
				thinking_blocks: [
					{ type: 'thinking', thinking: 'The user wants weather for two cities.', signature: 'EqQBCgIYAhIM1gbcDa9GJwZA2b3hGgxBdjrkzLoky3dl1pkiMOYds' },
					{ type: 'redacted_thinking', data: 'EmwKAhgBEgy3va3pzix/LafPsn4aDFIT2Xlxh0L5L8rLVyIwxtE3rAFBa8cr3qpP' }
				],
				tool_calls: [
					{ id: 'toolu_01A', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } },
					{ id: 'toolu_01B', type: 'function', function: { name: 'weather.current', arguments: '{"city":"Rome"}' } }
				]
			}
		});
		expect(finished.usage).toEqual({ inputUncached: 176, cacheRead: 1024, cacheWrite: 300, output: 85, reasoning: 0 });
		expect(body.usage).toEqual({
			prompt_tokens: 1500,
			completion_tokens: 85,
			total_tokens: 1585,
			prompt_tokens_details: { cached_tokens: 1024 },
			completion_tokens_details: { reasoning_tokens: 0 },
			cache_read_input_tokens: 1024,
			cache_creation_input_tokens: 300
		});
	});

	test('golden 9 and 10: max_tokens → length, refusal → content_filter; null cache numbers count as 0', () => {
		const long = anthropicAdaptor.finishResponse('chat', fixture('message-max-tokens.json'), 'm');
		expect(JSON.parse(long.body).choices[0].finish_reason).toBe('length');
		expect(long.usage).toEqual({ inputUncached: 12, cacheRead: 0, cacheWrite: 0, output: 3, reasoning: 0 });
		const refusal = JSON.parse(anthropicAdaptor.finishResponse('chat', fixture('message-refusal.json'), 'm').body);
		expect(refusal.choices[0]).toMatchObject({ finish_reason: 'content_filter', message: { content: "I can't help with" } });
	});

	test('golden 8 fallback: the forced json_response tool comes back as content with finish stop', () => {
		const body = JSON.parse(anthropicAdaptor.finishResponse('chat', fixture('message-json-tool.json'), 'm').body);
		expect(body.choices[0].finish_reason).toBe('stop');
		expect(body.choices[0].message.tool_calls).toBeUndefined();
		expect(JSON.parse(body.choices[0].message.content)).toEqual({ name: 'Ada', age: 36, tags: ['math'] });
	});

	test('the messages door gets the Anthropic JSON back, public model, everything else as received', () => {
		const text = fixture('message-thinking-tools.json');
		const finished = anthropicAdaptor.finishResponse('messages', text, 'claude-public');
		const parsed = JSON.parse(finished.body);
		expect(parsed).toEqual({ ...JSON.parse(text), model: 'claude-public' });
		expect(finished.usage).toEqual({ inputUncached: 176, cacheRead: 1024, cacheWrite: 300, output: 85, reasoning: 0 });
		const compact = JSON.stringify(JSON.parse(text));
		expect(anthropicAdaptor.finishResponse('messages', compact, 'claude-public').body).toBe(compact.replace('"model":"claude-sonnet-4-5-20250929"', '"model":"claude-public"'));
	});

	test('a body that is not a message is refused', () => {
		expect(() => anthropicAdaptor.finishResponse('chat', '<html>', 'm')).toThrow();
		expect(() => anthropicAdaptor.finishResponse('chat', '{"type":"error","error":{"type":"api_error","message":"x"}}', 'm')).toThrow();
	});
});

describe('failure classification (docs/providers/anthropic.md, "Errors"; docs/protocol.md, "Failure classification")', () => {
	const err = (type: string, message: string) => JSON.stringify({ type: 'error', error: { type, message }, request_id: 'req_1' });
	const classify = (status: number, body = '', headers: Record<string, string> = {}) => anthropicAdaptor.classifyFailure(status, new Headers(headers), body);

	test('golden 11: 429 cools for retry-after, 529 overloaded cools, server faults retry', () => {
		expect(classify(429, err('rate_limit_error', 'Number of requests has exceeded your rate limit'), { 'retry-after': '12' })).toEqual({
			kind: 'cool',
			status: 429,
			message: 'Number of requests has exceeded your rate limit',
			retryAfterMs: 12_000
		});
		expect(classify(529, err('overloaded_error', 'Overloaded'))).toMatchObject({ kind: 'cool', message: 'Overloaded' });
		for (const status of [500, 502, 503, 504, 408]) expect(classify(status, err('api_error', 'boom')).kind).toBe('retry');
	});

	test('credentials and billing disable the key; a missing model skips the channel', () => {
		expect(classify(401, err('authentication_error', 'invalid x-api-key')).kind).toBe('bad-key');
		expect(classify(403, err('permission_error', 'no access')).kind).toBe('bad-key');
		expect(classify(402, err('billing_error', 'pay up')).kind).toBe('bad-key');
		expect(classify(400, err('invalid_request_error', 'Your credit balance is too low to access the Anthropic API.')).kind).toBe('bad-key');
		const spend = JSON.stringify({ type: 'error', error: { type: 'rate_limit_error', message: 'limit', details: { error_code: 'enforced_spend_limit_reached' } } });
		expect(classify(429, spend).kind).toBe('bad-key');
		expect(classify(404, err('not_found_error', 'model: claude-x')).kind).toBe('model-unavailable');
	});

	test('the client’s own mistakes are shown to it', () => {
		expect(classify(400, err('invalid_request_error', 'prompt is too long: 250000 tokens > 200000 maximum'))).toMatchObject({
			kind: 'client',
			type: 'invalid_request_error',
			code: 'context_length_exceeded'
		});
		expect(classify(400, err('invalid_request_error', 'messages: roles must alternate'))).toMatchObject({ kind: 'client', code: null, message: 'messages: roles must alternate' });
		expect(classify(413, err('request_too_large', 'too big'))).toMatchObject({ kind: 'client', code: 'request_too_large' });
		expect(classify(502, '<html>bad gateway</html>').message).toBe('<html>bad gateway</html>');
		expect(classify(503, '').message).toBe('The upstream answered with HTTP 503');
	});
});

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** Feeds `text` in pieces of `size` bytes (0 = whole), as the network might cut it. */
function translate(text: string, opts: { clientWantsUsage?: boolean; door?: Door; publicModel?: string } = {}, size = 0) {
	const t = anthropicAdaptor.createStreamTranslator({ publicModel: opts.publicModel ?? 'claude-public', clientWantsUsage: opts.clientWantsUsage ?? false, door: opts.door ?? 'chat' });
	const all = encoder.encode(text);
	const step = size || all.length;
	let out = '';
	const read = (piece: Uint8Array | string) => (typeof piece === 'string' ? piece : decoder.decode(piece));
	for (let i = 0; i < all.length; i += step) out += read(t.push(all.subarray(i, i + step)));
	out += read(t.end());
	return { out, t };
}

/** The JSON chunks of a converted stream, and whether it ended with [DONE]. */
function chunksOf(out: string) {
	const events = out.split('\n\n').filter(Boolean);
	const done = events.at(-1) === 'data: [DONE]';
	return { chunks: events.filter((e) => e !== 'data: [DONE]').map((e) => JSON.parse(e.replace(/^data: /, ''))), done };
}

describe('stream → chat.completion.chunk (docs/providers/anthropic.md, "Streaming"; docs/protocol.md, "Chunk")', () => {
	const whole = translate(fixture('stream-thinking-tools.sse'), { clientWantsUsage: true }).out;

	for (const size of [1, 7, 64]) {
		test(`the same output whatever the chunking (${size}-byte pieces)`, () => {
			const split = translate(fixture('stream-thinking-tools.sse'), { clientWantsUsage: true }, size).out;
			expect(split.replace(/"created":\d+/g, '')).toBe(whole.replace(/"created":\d+/g, ''));
		});
	}

	test('golden 4, 5, 7, 12: role first, reasoning, signed block, two tool calls with stable indexes, "{}" for no arguments, one finish, usage, [DONE]', () => {
		const { out, t } = translate(fixture('stream-thinking-tools.sse'), { clientWantsUsage: true }, 7);
		const { chunks, done } = chunksOf(out);
		expect(done).toBe(true);
		expect(t.state).toBe('committed');
		expect(t.done()).toBe(true);
		expect(t.error()).toBeUndefined();
		for (const c of chunks) expect(c).toMatchObject({ id: 'msg_01Stream', object: 'chat.completion.chunk', created: chunks[0]!.created, model: 'claude-public' });
		const deltas = chunks.filter((c) => c.choices.length).map((c) => c.choices[0].delta);
		expect(deltas).toEqual([
			{ role: 'assistant', content: '' },
			{ reasoning_content: 'User wants ' },
			{ reasoning_content: 'the weather ☀️.' },
			{ thinking_blocks: [{ type: 'thinking', thinking: 'User wants the weather ☀️.', signature: 'EqQBCgIYAhIM1gbcDa9GJwZA2b3h' }] },
			{ content: 'Let me check.' },
			{ tool_calls: [{ index: 0, id: 'toolu_01A', type: 'function', function: { name: 'get_weather', arguments: '' } }] },
			{ tool_calls: [{ index: 0, function: { arguments: '{"city": ' } }] },
			{ tool_calls: [{ index: 0, function: { arguments: '"Paris"}' } }] },
			{ tool_calls: [{ index: 1, id: 'toolu_01B', type: 'function', function: { name: 'get_time', arguments: '' } }] },
			{ tool_calls: [{ index: 1, function: { arguments: '{}' } }] },
			{}
		]);
		expect(chunks.filter((c) => c.choices[0]?.finish_reason).map((c) => c.choices[0].finish_reason)).toEqual(['tool_calls']);
		expect(chunks.at(-1)).toMatchObject({ choices: [], usage: { prompt_tokens: 3740, completion_tokens: 85, total_tokens: 3825, prompt_tokens_details: { cached_tokens: 2048 } } });
		expect(t.usage()).toEqual({ inputUncached: 1180, cacheRead: 2048, cacheWrite: 512, output: 85, reasoning: 0 });
	});

	test('golden 1: plain text, no usage chunk unless asked; usage repeated in message_delta is merged', () => {
		const plain = translate(fixture('stream-text.sse'), {}, 5);
		const { chunks, done } = chunksOf(plain.out);
		expect(done).toBe(true);
		expect(chunks.every((c) => c.choices.length === 1 && c.usage === undefined)).toBe(true);
		expect(chunks.map((c) => c.choices[0].delta.content ?? '').join('')).toBe('Hello there, ünïcödé!');
		expect(chunks.at(-1)!.choices[0]).toEqual({ index: 0, delta: {}, finish_reason: 'stop' });
		expect(plain.t.usage()).toEqual({ inputUncached: 25, cacheRead: 400, cacheWrite: 100, output: 15, reasoning: 0 });
		const withUsage = chunksOf(translate(fixture('stream-text.sse'), { clientWantsUsage: true }).out).chunks;
		expect(withUsage.at(-1)!.usage).toMatchObject({ prompt_tokens: 525, completion_tokens: 15, total_tokens: 540 });
		expect(plain.t.outputText()).toBe('Hello there, ünïcödé!');
	});

	test('golden 10 and 8: refusal → content_filter; the forced JSON tool streams as content with finish stop', () => {
		const refusal = chunksOf(translate(fixture('stream-refusal.sse')).out).chunks;
		expect(refusal.at(-1)!.choices[0].finish_reason).toBe('content_filter');
		const jsonMode = chunksOf(translate(fixture('stream-json-tool.sse'), {}, 3).out).chunks;
		expect(jsonMode.map((c) => c.choices[0].delta.content ?? '').join('')).toBe('{"name":"Ada"}');
		expect(jsonMode.some((c) => c.choices[0].delta.tool_calls)).toBe(false);
		expect(jsonMode.at(-1)!.choices[0].finish_reason).toBe('stop');
	});

	test('golden 11: an error event mid-stream is reported, not forwarded, and the stream is not done', () => {
		const { out, t } = translate(fixture('stream-error.sse'), {}, 4);
		expect(out).not.toContain('error');
		expect(out).not.toContain('[DONE]');
		expect(t.error()).toBe('Overloaded');
		expect(t.done()).toBe(false);
		expect(chunksOf(out).chunks.map((c) => c.choices[0].delta.content ?? '').join('')).toBe('Partial');
	});

	test('an error before message_start refuses the commit; pings alone do not commit', () => {
		const first = translate('event: error\ndata: {"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}\n\n');
		expect(first.t.state).toBe('rejected');
		expect(first.t.rejection()).toBe('Overloaded');
		expect(first.out).toBe('');
		expect(translate('event: ping\ndata: {"type":"ping"}\n\n').t.state).toBe('waiting');
		expect(translate('data: not json\n\n').t.state).toBe('rejected');
	});

	test('a stream cut before message_stop is not done (the relay reports the cut)', () => {
		const cut = fixture('stream-text.sse').split('event: message_delta')[0]!;
		const { t, out } = translate(cut);
		expect(t.state).toBe('committed');
		expect(t.done()).toBe(false);
		expect(out).not.toContain('[DONE]');
	});
});

describe('passthrough stream for the messages door', () => {
	const source = fixture('stream-thinking-tools.sse');
	const expected = source.replace('"model":"claude-sonnet-4-5-20250929"', '"model":"claude-public"');

	for (const size of [0, 1, 7]) {
		test(`bytes go through unchanged but for the public model (pieces of ${size || 'all'})`, () => {
			const { out, t } = translate(source, { door: 'messages' }, size);
			expect(out).toBe(expected);
			expect(out).toContain('"signature":"EqQBCgIYAhIM1gbcDa9GJwZA2b3h"');
			expect(t.state).toBe('committed');
			expect(t.done()).toBe(true);
			expect(t.usage()).toEqual({ inputUncached: 1180, cacheRead: 2048, cacheWrite: 512, output: 85, reasoning: 0 });
		});
	}

	test('the same model name is left alone; CRLF framing works', () => {
		const crlf = source.replaceAll('\n', '\r\n');
		const { out, t } = translate(crlf, { door: 'messages', publicModel: 'claude-sonnet-4-5-20250929' }, 9);
		expect(out).toBe(crlf);
		expect(t.done()).toBe(true);
		expect(t.usage()?.output).toBe(85);
	});

	test('an in-band error is reported and not forwarded', () => {
		const { out, t } = translate(fixture('stream-error.sse'), { door: 'messages' }, 6);
		expect(out).not.toContain('overloaded_error');
		expect(out).toContain('"text":"Partial"');
		expect(t.error()).toBe('Overloaded');
		expect(t.done()).toBe(false);
		const first = translate('event: error\ndata: {"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}\n\n', { door: 'messages' });
		expect(first.t.state).toBe('rejected');
	});

	test('a partial event waits for its end', () => {
		const t = anthropicAdaptor.createStreamTranslator({ publicModel: 'p', clientWantsUsage: false, door: 'messages' });
		const first = 'event: message_start\ndata: {"type":"message_start","message":{"id":"m","model":"p","usage":{"input_tokens":3,"output_tokens":1}}}\n\n';
		expect(t.push(encoder.encode(first.slice(0, 30)))).toBe('');
		expect(t.state).toBe('waiting');
		expect(t.push(encoder.encode(first.slice(30)))).toBe(first);
		expect(t.state).toBe('committed');
	});
});
