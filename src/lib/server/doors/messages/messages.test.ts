import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import type { ChatChunk, ChatCompletion, ChatRequest } from '../../protocol/canonical';
import { DoorInputError } from '../../protocol/errors';
import type { DoorError, RenderContext } from '../../protocol/door';
import { countTokens, messagesDoor } from '.';

const fixture = (name: string): unknown => JSON.parse(readFileSync(join(import.meta.dirname, 'fixtures', name), 'utf8'));
const claudeCode = () => fixture('claude-code-request.json') as Record<string, unknown>;
const ctx = (request: Record<string, unknown> = {}): RenderContext => ({ publicModel: 'claude-sonnet-4-5', requestId: 'req-8f3c.01', request });

/** Canonical chunks from the fixture's trimmed ones (id, created and model filled in as a translator would). */
function chunks(list: unknown): ChatChunk[] {
	return (list as Array<Partial<ChatChunk>>).map((c) => ({ id: 'chatcmpl-1', object: 'chat.completion.chunk', created: 1735689600, model: 'upstream', choices: [], ...c }) as ChatChunk);
}

interface SseEvent {
	event: string;
	data: Record<string, unknown>;
}

function parseSse(text: string): SseEvent[] {
	return text
		.split('\n\n')
		.filter((b) => b.trim())
		.map((block) => {
			const lines = block.split('\n');
			expect(lines[0]).toMatch(/^event: /);
			expect(lines[1]).toMatch(/^data: /);
			expect(lines).toHaveLength(2);
			return { event: lines[0]!.slice(7), data: JSON.parse(lines[1]!.slice(6)) as Record<string, unknown> };
		});
}

/**
 * Rebuilds the message from Anthropic SSE the way the Anthropic SDKs' MessageStream does, and
 * checks the protocol on the way: event name = data.type, blocks opened at the next index, one
 * block open at a time, deltas only to the open block and of its kind, every block closed.
 */
function accumulate(events: SseEvent[]): Record<string, unknown> {
	let message: Record<string, unknown> | undefined;
	const content: Array<Record<string, unknown>> = [];
	const json = new Map<number, string>();
	let open: number | undefined;
	let stopped = false;
	for (const { event, data } of events) {
		expect(data.type).toBe(event);
		expect(stopped).toBe(false);
		switch (event) {
			case 'message_start':
				expect(message).toBeUndefined();
				message = structuredClone(data.message as Record<string, unknown>);
				break;
			case 'content_block_start':
				expect(open).toBeUndefined();
				expect(data.index).toBe(content.length);
				content.push(structuredClone(data.content_block as Record<string, unknown>));
				open = data.index as number;
				break;
			case 'content_block_delta': {
				expect(data.index).toBe(open);
				const block = content[open!]!;
				const d = data.delta as Record<string, string>;
				if (d.type === 'text_delta') (expect(block.type).toBe('text'), (block.text = (block.text as string) + d.text));
				else if (d.type === 'thinking_delta') (expect(block.type).toBe('thinking'), (block.thinking = (block.thinking as string) + d.thinking));
				else if (d.type === 'signature_delta') (expect(block.type).toBe('thinking'), (block.signature = d.signature));
				else if (d.type === 'input_json_delta') (expect(block.type).toBe('tool_use'), json.set(open!, (json.get(open!) ?? '') + d.partial_json));
				else throw new Error(`unexpected delta ${d.type}`);
				break;
			}
			case 'content_block_stop':
				expect(data.index).toBe(open);
				if (json.has(open!)) content[open!]!.input = JSON.parse(json.get(open!)!);
				open = undefined;
				break;
			case 'message_delta':
				expect(open).toBeUndefined();
				Object.assign(message!, data.delta as object);
				message!.usage = { ...(message!.usage as object), ...(data.usage as object) };
				break;
			case 'message_stop':
				stopped = true;
				break;
			default:
				throw new Error(`unexpected event ${event}`);
		}
	}
	expect(stopped).toBe(true);
	return { ...message!, content };
}

describe('request → canonical (golden case 13: a Claude Code transcript)', () => {
	const canonical = messagesDoor.toCanonical(claudeCode());

	test('system blocks become one system message, cache_control kept on its parts', () => {
		expect(canonical.messages[0]).toEqual({
			role: 'system',
			content: [
				{ type: 'text', text: 'x-anthropic-billing-header: cc_version=2.1.3; cc_entrypoint=cli' },
				{ type: 'text', text: "You are Claude Code, Anthropic's official CLI for Claude.", cache_control: { type: 'ephemeral' } }
			]
		});
	});

	test('assistant turns carry thinking blocks with their signatures, reasoning text and tool calls', () => {
		expect(canonical.messages[2]).toEqual({
			role: 'assistant',
			content: 'Let me look at the test.',
			reasoning_content: 'I should read the test first.',
			thinking_blocks: [{ type: 'thinking', thinking: 'I should read the test first.', signature: 'EqQBCkgIBxABGAIiQJ3sig1' }],
			tool_calls: [{ id: 'toolu_01ReadA', type: 'function', function: { name: 'Read', arguments: '{"file_path":"/repo/src/sum.test.ts"}' } }]
		});
		expect(canonical.messages[4]).toMatchObject({
			role: 'assistant',
			content: null,
			thinking_blocks: [
				{ type: 'thinking', signature: 'EqQBCkgIBxABGAIiQJ3sig2' },
				{ type: 'redacted_thinking', data: 'EmwKAhgBEgy3va3pzix' }
			],
			tool_calls: [{ id: 'toolu_01BashB' }, { id: 'toolu_01GrepC' }]
		});
	});

	test('tool results come first, in order, then the images they carried and the user text', () => {
		expect(canonical.messages.slice(3, 4)).toEqual([{ role: 'tool', tool_call_id: 'toolu_01ReadA', content: '1\texpect(sum(1, 2)).toBe(4);' }]);
		expect(canonical.messages.slice(5)).toEqual([
			{ role: 'tool', tool_call_id: 'toolu_01BashB', content: '[error] Expected: 4\nReceived: 3' },
			{ role: 'tool', tool_call_id: 'toolu_01GrepC', content: 'src/sum.ts:1:export function sum(a, b) {' },
			{
				role: 'user',
				content: [
					{ type: 'image_url', image_url: { url: 'data:image/png;base64,iVBORw0KGgo=' } },
					{ type: 'text', text: 'Fix it please.', cache_control: { type: 'ephemeral' } }
				]
			}
		]);
		expect(canonical.messages.map((m) => m.role)).toEqual(['system', 'user', 'assistant', 'tool', 'assistant', 'tool', 'tool', 'user']);
	});

	test('client tools kept with input_schema as parameters, the server tool dropped; settings mapped', () => {
		expect(canonical.tools?.map((t) => t.function.name)).toEqual(['Read', 'Bash', 'Grep']);
		expect(canonical.tools?.[0]?.function.parameters).toMatchObject({ type: 'object', required: ['file_path'] });
		expect(canonical.tools?.[2]?.cache_control).toEqual({ type: 'ephemeral' });
		expect(canonical).toMatchObject({
			model: 'claude-sonnet-4-5',
			max_tokens: 32000,
			tool_choice: 'auto',
			user: 'user_4f2a_account_0b1c_session_77e1',
			thinking_budget: 10000,
			reasoning_effort: 'high',
			stream: true,
			stream_options: { include_usage: true }
		});
	});
});

describe('request → canonical: single mappings', () => {
	const base = { model: 'claude-haiku-4-5', max_tokens: 100 };
	const convert = (extra: Record<string, unknown>): ChatRequest => messagesDoor.toCanonical({ ...base, messages: [{ role: 'user', content: 'hi' }], ...extra });

	test('a plain text request', () => {
		expect(convert({ system: 'Be terse.' })).toEqual({
			model: 'claude-haiku-4-5',
			max_tokens: 100,
			messages: [
				{ role: 'system', content: 'Be terse.' },
				{ role: 'user', content: 'hi' }
			]
		});
	});

	test('system text blocks without cache_control are joined', () => {
		expect(convert({ system: [{ type: 'text', text: 'a' }, { type: 'text', text: 'b' }] }).messages[0]).toEqual({ role: 'system', content: 'a\n\nb' });
	});

	test('sampling, stop sequences, tool_choice and parallel calls', () => {
		const tools = [{ name: 'get_weather', input_schema: { type: 'object', properties: {} } }];
		expect(
			convert({ temperature: 0.5, top_p: 0.9, top_k: 40, stop_sequences: ['###', ''], tools, tool_choice: { type: 'tool', name: 'get_weather', disable_parallel_tool_use: true } })
		).toMatchObject({ temperature: 0.5, top_p: 0.9, top_k: 40, stop: ['###'], tool_choice: { type: 'function', function: { name: 'get_weather' } }, parallel_tool_calls: false });
		expect(convert({ tools, tool_choice: { type: 'any' } }).tool_choice).toBe('required');
		expect(convert({ tools, tool_choice: { type: 'none' } }).tool_choice).toBe('none');
	});

	test('thinking budgets map to effort buckets; adaptive thinking takes output_config.effort', () => {
		expect(convert({ max_tokens: 5000, thinking: { type: 'enabled', budget_tokens: 1024 } })).toMatchObject({ reasoning_effort: 'low', thinking_budget: 1024 });
		expect(convert({ max_tokens: 9000, thinking: { type: 'enabled', budget_tokens: 8000 } }).reasoning_effort).toBe('medium');
		expect(convert({ thinking: { type: 'adaptive' }, output_config: { effort: 'low' } }).reasoning_effort).toBe('low');
		expect(convert({ thinking: { type: 'disabled' } }).reasoning_effort).toBeUndefined();
	});

	test('images by url, PDFs as file parts, text documents as text', () => {
		const content = [
			{ type: 'image', source: { type: 'url', url: 'https://example.com/cat.png' } },
			{ type: 'document', title: 'spec.pdf', source: { type: 'base64', media_type: 'application/pdf', data: 'JVBERi0=' } },
			{ type: 'document', source: { type: 'url', url: 'https://example.com/a.pdf' } },
			{ type: 'document', source: { type: 'text', media_type: 'text/plain', data: 'plain words' } }
		];
		expect(convert({ messages: [{ role: 'user', content }] }).messages[0]!.content).toEqual([
			{ type: 'image_url', image_url: { url: 'https://example.com/cat.png' } },
			{ type: 'file', file: { file_data: 'data:application/pdf;base64,JVBERi0=', filename: 'spec.pdf' } },
			{ type: 'file', file: { file_data: 'https://example.com/a.pdf' } },
			{ type: 'text', text: 'plain words' }
		]);
	});

	test('a tool result keeps its documents: text ones in the tool message, PDFs beside its images in the user message after it', () => {
		const messages = [
			{ role: 'assistant', content: [{ type: 'tool_use', id: 'toolu_1', name: 'read', input: {} }] },
			{
				role: 'user',
				content: [
					{
						type: 'tool_result',
						tool_use_id: 'toolu_1',
						content: [
							{ type: 'text', text: 'two files' },
							{ type: 'document', source: { type: 'text', media_type: 'text/plain', data: 'notes.txt says hi' } },
							{ type: 'document', title: 'spec.pdf', source: { type: 'base64', media_type: 'application/pdf', data: 'JVBERi0=' } },
							{ type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'iVBORw0KGgo=' } }
						]
					}
				]
			}
		];
		expect(convert({ messages }).messages.slice(1)).toEqual([
			{ role: 'tool', tool_call_id: 'toolu_1', content: 'two files\nnotes.txt says hi' },
			{
				role: 'user',
				content: [
					{ type: 'file', file: { file_data: 'data:application/pdf;base64,JVBERi0=', filename: 'spec.pdf' } },
					{ type: 'image_url', image_url: { url: 'data:image/png;base64,iVBORw0KGgo=' } }
				]
			}
		]);
	});

	test('json output format becomes response_format', () => {
		const schema = { type: 'object', properties: { a: { type: 'string' } } };
		expect(convert({ output_config: { format: { type: 'json_schema', schema } } }).response_format).toEqual({ type: 'json_schema', json_schema: { name: 'response', schema, strict: true } });
	});

	test('the caller body is not mutated', () => {
		const body = claudeCode();
		const copy = structuredClone(body);
		messagesDoor.toCanonical(body);
		expect(body).toEqual(copy);
	});
});

describe('request refusals (DoorInputError)', () => {
	const refuse = (body: Record<string, unknown>) => {
		try {
			messagesDoor.toCanonical(body);
		} catch (err) {
			expect(err).toBeInstanceOf(DoorInputError);
			return err as DoorInputError;
		}
		throw new Error('accepted');
	};
	const messages = [{ role: 'user', content: 'hi' }];

	test('max_tokens missing', () => {
		expect(refuse({ model: 'm', messages }).param).toBe('max_tokens');
	});
	test('no messages, empty messages', () => {
		expect(refuse({ model: 'm', max_tokens: 10 }).param).toBe('messages');
		expect(refuse({ model: 'm', max_tokens: 10, messages: [] }).message).toMatch(/at least one/);
	});
	test('a wrong role', () => {
		expect(refuse({ model: 'm', max_tokens: 10, messages: [{ role: 'system', content: 'x' }] }).param).toBe('messages.0.role');
	});
	test('temperature above 1, thinking budget below 1024, an unknown block, a tool_choice naming a dropped server tool', () => {
		expect(refuse({ model: 'm', max_tokens: 10, messages, temperature: 1.5 }).param).toBe('temperature');
		expect(refuse({ model: 'm', max_tokens: 10, messages, thinking: { type: 'enabled', budget_tokens: 100 } }).param).toBe('thinking.budget_tokens');
		expect(refuse({ model: 'm', max_tokens: 10, messages: [{ role: 'user', content: [{ type: 'hologram' }] }] }).param).toBe('messages.0.content.0.type');
		expect(refuse({ model: 'm', max_tokens: 10, messages, tools: [{ type: 'web_search_20250305', name: 'web_search' }], tool_choice: { type: 'tool', name: 'web_search' } }).param).toBe(
			'tool_choice'
		);
	});
});

describe('blocks that cannot be carried are refused, not dropped', () => {
	test.each(fixture('refused-blocks.json') as Array<{ shows: string; messages: unknown[]; param: string; error: string }>)('$shows', ({ messages, param, error }) => {
		expect(() => messagesDoor.toCanonical({ model: 'm', max_tokens: 10, messages })).toThrow(expect.objectContaining({ name: 'DoorInputError', param, message: error }));
	});

	test('server tool history in an assistant turn is still left out, like the server tools themselves', () => {
		const out = messagesDoor.toCanonical({
			model: 'm',
			max_tokens: 10,
			messages: [
				{ role: 'user', content: 'search' },
				{
					role: 'assistant',
					content: [
						{ type: 'server_tool_use', id: 'srvtoolu_1', name: 'web_search', input: { query: 'x' } },
						{ type: 'web_search_tool_result', tool_use_id: 'srvtoolu_1', content: [] },
						{ type: 'text', text: 'Found it.' }
					]
				}
			]
		});
		expect(out.messages[1]).toEqual({ role: 'assistant', content: 'Found it.' });
	});
});

describe('non-stream rendering', () => {
	const completion = fixture('canonical-completion.json') as ChatCompletion;

	test('golden case 13: thinking first with its signature, text, tool_use with parsed input; usage split', () => {
		const message = JSON.parse(messagesDoor.renderCompletion(completion, ctx()));
		expect(message).toEqual({
			id: 'msg_req-8f3c01',
			type: 'message',
			role: 'assistant',
			model: 'claude-sonnet-4-5',
			content: [
				{ type: 'thinking', thinking: 'The implementation is right; the test is wrong.', signature: 'EqQBCkgIBxABGAIiQJ3sig3' },
				{ type: 'text', text: 'The test expects 4 but 1 + 2 is 3. I will fix the expectation.' },
				{ type: 'tool_use', id: 'toolu_01EditD', name: 'Edit', input: { file_path: '/repo/src/sum.test.ts', old_string: 'toBe(4)', new_string: 'toBe(3)' } },
				// Truncated arguments: an object is still sent (Claude Code validates input as one).
				{ type: 'tool_use', id: 'toolu_01BashE', name: 'Bash', input: {} }
			],
			stop_reason: 'tool_use',
			stop_sequence: null,
			usage: { input_tokens: 200, output_tokens: 190, cache_creation_input_tokens: 3000, cache_read_input_tokens: 12000 }
		});
	});

	test('finish reasons map to stop reasons', () => {
		const withFinish = (finish_reason: ChatCompletion['choices'][0]['finish_reason']) =>
			JSON.parse(messagesDoor.renderCompletion({ ...completion, choices: [{ index: 0, message: { role: 'assistant', content: 'x' }, finish_reason }] }, ctx())).stop_reason;
		expect([withFinish('stop'), withFinish('length'), withFinish('tool_calls'), withFinish('content_filter'), withFinish(null)]).toEqual([
			'end_turn',
			'max_tokens',
			'tool_use',
			'refusal',
			'end_turn'
		]);
	});

	test('a text-only answer from a non-Anthropic upstream: unsigned reasoning, no usage', () => {
		const plain: ChatCompletion = {
			id: 'c',
			object: 'chat.completion',
			created: 1,
			model: 'x',
			choices: [{ index: 0, message: { role: 'assistant', content: 'Hello!', reasoning_content: 'greet' }, finish_reason: 'stop' }]
		};
		expect(JSON.parse(messagesDoor.renderCompletion(plain, ctx()))).toMatchObject({
			content: [
				{ type: 'thinking', thinking: 'greet', signature: '' },
				{ type: 'text', text: 'Hello!' }
			],
			stop_reason: 'end_turn',
			usage: { input_tokens: 0, output_tokens: 0, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 }
		});
	});
});

describe('stream rendering', () => {
	const sequence = chunks(fixture('canonical-stream.json'));

	function render(list: ChatChunk[], usageAtEnd?: ChatCompletion['usage']): string {
		const renderer = messagesDoor.createStreamRenderer(ctx());
		return list.map((c) => renderer.push(c)).join('') + renderer.end(usageAtEnd);
	}

	test('golden case 13: events one by one, with their block indexes', () => {
		const events = parseSse(render(sequence));
		const shape = events.map(({ event, data }) => {
			const d = (data.delta ?? data.content_block) as Record<string, string> | undefined;
			return [event, data.index ?? null, d?.type ?? null].join(' ').trim();
		});
		expect(shape).toEqual([
			'message_start',
			'content_block_start 0 thinking',
			'content_block_delta 0 thinking_delta',
			'content_block_delta 0 thinking_delta',
			'content_block_delta 0 signature_delta',
			'content_block_stop 0',
			'content_block_start 1 text',
			'content_block_delta 1 text_delta',
			'content_block_delta 1 text_delta',
			'content_block_stop 1',
			'content_block_start 2 tool_use',
			'content_block_delta 2 input_json_delta',
			'content_block_delta 2 input_json_delta',
			'content_block_stop 2',
			'content_block_start 3 tool_use',
			'content_block_delta 3 input_json_delta',
			'content_block_delta 3 input_json_delta',
			'content_block_stop 3',
			'message_delta',
			'message_stop'
		]);
		expect(events[0]!.data.message).toMatchObject({ id: 'msg_req-8f3c01', model: 'claude-sonnet-4-5', content: [], stop_reason: null });
		expect(events[10]!.data.content_block).toEqual({ type: 'tool_use', id: 'toolu_01EditD', name: 'Edit', input: {} });
		expect(events.at(-2)!.data).toEqual({
			type: 'message_delta',
			delta: { stop_reason: 'tool_use', stop_sequence: null },
			usage: { input_tokens: 200, output_tokens: 190, cache_creation_input_tokens: 3000, cache_read_input_tokens: 12000 }
		});
	});

	test('the streamed message equals the non-stream rendering of the same answer', () => {
		const completion = fixture('canonical-completion.json') as ChatCompletion;
		const fixed = structuredClone(completion);
		fixed.choices[0]!.message.tool_calls![1]!.function.arguments = '{"command": "bun test"}';
		expect(accumulate(parseSse(render(sequence)))).toEqual(JSON.parse(messagesDoor.renderCompletion(fixed, ctx())));
	});

	test('a text-only round trip; usage given at end() wins', () => {
		const text = chunks([
			{ choices: [{ index: 0, delta: { role: 'assistant', content: '' }, finish_reason: null }] },
			{ choices: [{ index: 0, delta: { content: 'Hel' }, finish_reason: null }] },
			{ choices: [{ index: 0, delta: { content: 'lo' }, finish_reason: null }] },
			{ choices: [{ index: 0, delta: {}, finish_reason: 'stop' }] }
		]);
		const message = accumulate(parseSse(render(text, { prompt_tokens: 12, completion_tokens: 2, total_tokens: 14 })));
		expect(message).toMatchObject({ content: [{ type: 'text', text: 'Hello' }], stop_reason: 'end_turn', usage: { input_tokens: 12, output_tokens: 2 } });
	});

	test('interleaved tool calls still give sequential blocks with whole arguments', () => {
		const call = (index: number, fields: Record<string, unknown>) => ({ choices: [{ index: 0, delta: { tool_calls: [{ index, ...fields }] }, finish_reason: null }] });
		const list = chunks([
			call(0, { id: 'call_a', type: 'function', function: { name: 'a', arguments: '' } }),
			call(1, { id: 'call_b', type: 'function', function: { name: 'b', arguments: '{"y":' } }),
			call(0, { function: { arguments: '{"x":' } }),
			call(1, { function: { arguments: '2}' } }),
			call(0, { function: { arguments: '1}' } }),
			call(2, { id: 'call_c', type: 'function', function: { name: 'c', arguments: '{}' } }),
			{ choices: [{ index: 0, delta: {}, finish_reason: 'tool_calls' }] }
		]);
		const message = accumulate(parseSse(render(list)));
		expect(message.content).toEqual([
			{ type: 'tool_use', id: 'call_a', name: 'a', input: { x: 1 } },
			{ type: 'tool_use', id: 'call_b', name: 'b', input: { y: 2 } },
			{ type: 'tool_use', id: 'call_c', name: 'c', input: {} }
		]);
	});

	test('thinking, then text, then thinking again: each opens a new block; redacted thinking is one whole block', () => {
		const d = (delta: Record<string, unknown>) => ({ choices: [{ index: 0, delta, finish_reason: null }] });
		const message = accumulate(
			parseSse(
				render(
					chunks([
						d({ reasoning_content: 'a' }),
						d({ content: 'b' }),
						d({ thinking_blocks: [{ type: 'redacted_thinking', data: 'xyz' }] }),
						d({ reasoning_content: 'c' }),
						{ choices: [{ index: 0, delta: {}, finish_reason: 'length' }] }
					])
				)
			)
		);
		expect(message.content).toEqual([
			{ type: 'thinking', thinking: 'a', signature: '' },
			{ type: 'text', text: 'b' },
			{ type: 'redacted_thinking', data: 'xyz' },
			{ type: 'thinking', thinking: 'c', signature: '' }
		]);
		expect(message.stop_reason).toBe('max_tokens');
	});

	test('an in-band error after the start: event error in the Anthropic shape, nothing after', () => {
		const renderer = messagesDoor.createStreamRenderer(ctx());
		renderer.push(sequence[1]!);
		const err: DoorError = { status: 503, message: 'Overloaded', type: 'server_error', code: 'overloaded', param: null };
		expect(renderer.error(err)).toBe('event: error\ndata: {"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}\n\n');
		expect(renderer.end(undefined)).toBe('');
	});
});

describe('error bodies', () => {
	const body = (status: number, type = 'invalid_request_error', code: string | null = null) =>
		(messagesDoor.errorBody({ status, message: 'm', type, code, param: null }) as { error: { type: string } }).error.type;

	test('statuses map to Anthropic error types', () => {
		expect([400, 401, 403, 404, 413, 429, 500, 502, 503, 529, 504].map((s) => body(s))).toEqual([
			'invalid_request_error',
			'authentication_error',
			'permission_error',
			'not_found_error',
			'request_too_large',
			'rate_limit_error',
			'api_error',
			'api_error',
			'overloaded_error',
			'overloaded_error',
			'timeout_error'
		]);
	});

	test('an exhausted balance is a billing_error; the shape is {type: error, error: {type, message}}', () => {
		expect(body(429, 'insufficient_quota', 'insufficient_quota')).toBe('billing_error');
		expect(messagesDoor.errorBody({ status: 400, message: 'bad', type: 'invalid_request_error', code: null, param: 'max_tokens' })).toEqual({
			type: 'error',
			error: { type: 'invalid_request_error', message: 'bad' }
		});
	});
});

describe('count_tokens', () => {
	test('counts the canonical request; max_tokens is not required there', async () => {
		const seen: ChatRequest[] = [];
		const body = claudeCode();
		delete body.max_tokens;
		delete body.stream;
		const result = await countTokens(body, async (c) => (seen.push(c), 4242));
		expect(result).toEqual({ input_tokens: 4242 });
		expect(seen[0]!.messages).toHaveLength(8);
		expect(seen[0]!.max_tokens).toBeUndefined();
	});

	test('refuses what the door refuses', async () => {
		await expect(countTokens({ model: 'm', messages: [] }, async () => 0)).rejects.toThrow(DoorInputError);
	});
});
