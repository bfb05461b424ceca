import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { accumulateResponse } from 'openai/lib/responses/ResponseAccumulator';
import type { Response as OpenAIResponse, ResponseStreamEvent } from 'openai/resources/responses/responses';
import { Stream } from 'openai/streaming';
import { describe, expect, test } from 'vitest';
import type { ChatChunk, ChatCompletion, ChatRequest } from '../../protocol/canonical';
import { DoorInputError } from '../../protocol/errors';
import type { DoorError, RenderContext } from '../../protocol/door';
import { responsesDoor } from '.';

const fixture = (name: string): unknown => JSON.parse(readFileSync(join(import.meta.dirname, 'fixtures', name), 'utf8'));
const codex = () => fixture('codex-request.json') as Record<string, unknown>;
const ctx = (request: Record<string, unknown> = codex()): RenderContext => ({ publicModel: 'gpt-5-codex', requestId: 'req_77', request });

function chunks(list: unknown): ChatChunk[] {
	return (list as Array<Partial<ChatChunk>>).map((c) => ({ id: 'chatcmpl-1', object: 'chat.completion.chunk', created: 1735689600, model: 'upstream', choices: [], ...c }) as ChatChunk);
}

/** Our SSE read by the OpenAI SDK's own stream parser (framing, JSON, error events). */
async function sdkEvents(text: string): Promise<ResponseStreamEvent[]> {
	const stream = Stream.fromSSEResponse<ResponseStreamEvent>(new Response(text, { headers: { 'content-type': 'text/event-stream' } }), new AbortController());
	const out: ResponseStreamEvent[] = [];
	for await (const event of stream) out.push(event);
	return out;
}

/** Event names on the wire must equal the data's type. */
function checkFraming(text: string): void {
	for (const block of text.split('\n\n').filter((b) => b.trim())) {
		const [event, data, ...rest] = block.split('\n');
		expect(rest).toEqual([]);
		expect(JSON.parse(data!.slice(6)).type).toBe(event!.slice(7));
	}
}

describe('request → canonical (golden case 14: a Codex request)', () => {
	const canonical = responsesDoor.toCanonical(codex());

	test('instructions, developer and user messages, calls grouped into assistant turns, outputs as tool messages', () => {
		expect(canonical.messages).toEqual([
			{ role: 'system', content: "You are Codex, a coding agent running in the user's terminal." },
			{ role: 'developer', content: [{ type: 'text', text: '<environment_context>cwd=/repo</environment_context>' }] },
			{ role: 'user', content: [{ type: 'text', text: 'Make the sum test pass.' }] },
			{
				role: 'assistant',
				content: null,
				// The summary survives; the encrypted reasoning cannot be converted.
				reasoning_content: '**Inspecting the test**',
				tool_calls: [{ id: 'call_shell_1', type: 'function', function: { name: 'shell', arguments: '{"command":["bash","-lc","cat src/sum.test.ts"]}' } }]
			},
			{ role: 'tool', tool_call_id: 'call_shell_1', content: 'expect(sum(1, 2)).toBe(4);' },
			{
				role: 'assistant',
				content: 'The expectation is wrong; patching it.',
				tool_calls: [
					{
						id: 'call_patch_1',
						type: 'function',
						function: {
							name: 'apply_patch',
							arguments: JSON.stringify({ input: '*** Begin Patch\n*** Update File: src/sum.test.ts\n@@\n-expect(sum(1, 2)).toBe(4);\n+expect(sum(1, 2)).toBe(3);\n*** End Patch\n' })
						}
					}
				]
			},
			{ role: 'tool', tool_call_id: 'call_patch_1', content: 'Success. Updated the following files:\nM src/sum.test.ts\n' },
			{ role: 'user', content: 'Now run the tests.' }
		]);
	});

	test('function tools flattened back, apply_patch as a function with one string argument, web_search dropped', () => {
		expect(canonical.tools).toHaveLength(2);
		expect(canonical.tools![0]).toEqual({
			type: 'function',
			function: {
				name: 'shell',
				description: 'Runs a shell command and returns its output.',
				strict: false,
				parameters: (codex().tools as Array<Record<string, unknown>>)[0]!.parameters as Record<string, unknown>
			}
		});
		const patch = canonical.tools![1]!.function;
		expect(patch.name).toBe('apply_patch');
		expect(patch.parameters).toEqual({ type: 'object', properties: { input: { type: 'string', description: 'The raw input for the tool.' } }, required: ['input'], additionalProperties: false });
		expect(patch.description).toContain('lark grammar:\nstart: begin_patch hunk+ end_patch');
	});

	test('settings mapped', () => {
		expect(canonical).toMatchObject({
			model: 'gpt-5-codex',
			stream: true,
			stream_options: { include_usage: true },
			parallel_tool_calls: false,
			reasoning_effort: 'medium',
			tool_choice: 'auto',
			prompt_cache_key: '0199a1b2-session'
		});
		expect(canonical).not.toHaveProperty('store');
		expect(canonical).not.toHaveProperty('include');
	});
});

describe('request → canonical: single mappings', () => {
	const convert = (extra: Record<string, unknown>): ChatRequest => responsesDoor.toCanonical({ model: 'gpt-4.1', input: 'hi', ...extra });

	test('a plain text request', () => {
		expect(convert({ instructions: 'Be terse.', max_output_tokens: 50, temperature: 0.3, top_p: 0.8, user: 'u1' })).toEqual({
			model: 'gpt-4.1',
			messages: [
				{ role: 'system', content: 'Be terse.' },
				{ role: 'user', content: 'hi' }
			],
			max_tokens: 50,
			temperature: 0.3,
			top_p: 0.8,
			user: 'u1'
		});
	});

	test('text.format json_schema and json_object', () => {
		const schema = { type: 'object', properties: {} };
		expect(convert({ text: { format: { type: 'json_schema', name: 'out', schema, strict: true } } }).response_format).toEqual({ type: 'json_schema', json_schema: { name: 'out', schema, strict: true } });
		expect(convert({ text: { format: { type: 'json_object' } } }).response_format).toEqual({ type: 'json_object' });
		expect(convert({ text: { format: { type: 'text' } } }).response_format).toBeUndefined();
	});

	test('images and files, tool_choice by name', () => {
		const input = [
			{
				role: 'user',
				content: [
					{ type: 'input_image', image_url: 'https://example.com/a.png', detail: 'low' },
					{ type: 'input_file', filename: 'a.pdf', file_data: 'data:application/pdf;base64,JVBERi0=' }
				]
			}
		];
		const tools = [{ type: 'function', name: 'f', parameters: { type: 'object', properties: {} } }];
		const c = convert({ input, tools, tool_choice: { type: 'function', name: 'f' } });
		expect(c.messages[0]!.content).toEqual([
			{ type: 'image_url', image_url: { url: 'https://example.com/a.png', detail: 'low' } },
			{ type: 'file', file: { file_data: 'data:application/pdf;base64,JVBERi0=', filename: 'a.pdf' } }
		]);
		expect(c.tool_choice).toEqual({ type: 'function', function: { name: 'f' } });
	});

	test('refusals: previous_response_id, conversation, item_reference, client-run built-ins, file ids, bad shapes', () => {
		const refuse = (extra: Record<string, unknown>) => {
			try {
				convert(extra);
			} catch (err) {
				expect(err).toBeInstanceOf(DoorInputError);
				return (err as DoorInputError).param;
			}
			throw new Error('accepted');
		};
		expect(refuse({ previous_response_id: 'resp_1' })).toBe('previous_response_id');
		expect(refuse({ conversation: 'conv_1' })).toBe('conversation');
		expect(refuse({ input: [{ type: 'item_reference', id: 'msg_1' }] })).toBe('input.0.type');
		expect(refuse({ tools: [{ type: 'local_shell' }] })).toBe('tools.0.type');
		expect(refuse({ input: [{ role: 'user', content: [{ type: 'input_image', file_id: 'file_1' }] }] })).toBe('input.0.content.0.image_url');
		expect(refuse({ input: 42 })).toBe('input');
		expect(refuse({ model: '' })).toBe('model');
		expect(refuse({ background: true })).toBe('background');
	});

	test.each(fixture('refused-parts.json') as Array<{ shows: string; input: unknown[]; param: string; error: string }>)('a part that cannot be carried is refused, not dropped: $shows', ({ input, param, error }) => {
		expect(() => responsesDoor.toCanonical({ model: 'gpt-4.1', input })).toThrow(expect.objectContaining({ name: 'DoorInputError', param, message: error }));
	});

	test("a tool output's files follow with its images in a user message, in order", () => {
		const out = responsesDoor.toCanonical({
			model: 'gpt-4.1',
			input: [
				{ type: 'function_call', call_id: 'call_1', name: 'read', arguments: '{}' },
				{
					type: 'function_call_output',
					call_id: 'call_1',
					output: [
						{ type: 'input_text', text: 'two attachments' },
						{ type: 'input_file', filename: 'a.pdf', file_data: 'data:application/pdf;base64,JVBERi0=' },
						{ type: 'input_image', image_url: 'https://example.com/a.png' }
					]
				}
			]
		});
		expect(out.messages.slice(1)).toEqual([
			{ role: 'tool', tool_call_id: 'call_1', content: 'two attachments' },
			{
				role: 'user',
				content: [
					{ type: 'file', file: { file_data: 'data:application/pdf;base64,JVBERi0=', filename: 'a.pdf' } },
					{ type: 'image_url', image_url: { url: 'https://example.com/a.png' } }
				]
			}
		]);
	});
});

describe('non-stream rendering', () => {
	const completion = fixture('canonical-completion.json') as ChatCompletion;

	test('golden case 14: reasoning, message, function call and custom tool call items; usage; settings echoed', () => {
		const response = JSON.parse(responsesDoor.renderCompletion(completion, ctx()));
		expect(response).toMatchObject({
			id: 'resp_req_77',
			object: 'response',
			created_at: 1735689600,
			status: 'completed',
			incomplete_details: null,
			error: null,
			model: 'gpt-5-codex',
			instructions: "You are Codex, a coding agent running in the user's terminal.",
			parallel_tool_calls: false,
			tool_choice: 'auto',
			reasoning: { effort: 'medium', summary: 'auto' },
			store: false,
			usage: { input_tokens: 9000, input_tokens_details: { cached_tokens: 8192 }, output_tokens: 120, output_tokens_details: { reasoning_tokens: 30 }, total_tokens: 9120 }
		});
		expect(response.tools).toEqual(codex().tools);
		expect(response.output).toEqual([
			{ type: 'reasoning', id: 'rs_req_77', summary: [{ type: 'summary_text', text: 'The patch applied; verify with the test runner.' }] },
			{ type: 'message', id: 'msg_req_77', status: 'completed', role: 'assistant', content: [{ type: 'output_text', text: 'Running the tests now.', annotations: [], logprobs: [] }] },
			{ type: 'function_call', id: 'fc_req_77_0', call_id: 'toolu_01RunA', name: 'shell', arguments: '{"command":["bash","-lc","bun test"]}', status: 'completed' },
			{ type: 'custom_tool_call', id: 'ctc_req_77_1', call_id: 'toolu_01PatchB', name: 'apply_patch', input: '*** Begin Patch\n*** End Patch\n' }
		]);
	});

	test('length is incomplete with max_output_tokens; content_filter is incomplete too', () => {
		const cut = (finish_reason: 'length' | 'content_filter') =>
			JSON.parse(responsesDoor.renderCompletion({ ...completion, choices: [{ index: 0, message: { role: 'assistant', content: 'par' }, finish_reason }] }, ctx({})));
		expect(cut('length')).toMatchObject({ status: 'incomplete', incomplete_details: { reason: 'max_output_tokens' }, output: [{ type: 'message', status: 'incomplete' }] });
		expect(cut('content_filter')).toMatchObject({ status: 'incomplete', incomplete_details: { reason: 'content_filter' } });
	});

	test('a text-only request and answer round trip with defaults echoed', () => {
		const request = { model: 'gpt-4.1', input: 'Say hi' };
		const canonical = responsesDoor.toCanonical(request);
		expect(canonical.messages).toEqual([{ role: 'user', content: 'Say hi' }]);
		const answer: ChatCompletion = {
			id: 'x',
			object: 'chat.completion',
			created: 5,
			model: 'up',
			choices: [{ index: 0, message: { role: 'assistant', content: 'Hi!' }, finish_reason: 'stop' }],
			usage: { prompt_tokens: 3, completion_tokens: 2, total_tokens: 5 }
		};
		const response = JSON.parse(responsesDoor.renderCompletion(answer, { publicModel: 'gpt-4.1', requestId: 'r1', request }));
		expect(response).toMatchObject({
			status: 'completed',
			instructions: null,
			tools: [],
			tool_choice: 'auto',
			temperature: 1,
			top_p: 1,
			text: { format: { type: 'text' } },
			output: [{ type: 'message', content: [{ type: 'output_text', text: 'Hi!' }] }],
			usage: { input_tokens: 3, input_tokens_details: { cached_tokens: 0 }, output_tokens: 2, output_tokens_details: { reasoning_tokens: 0 }, total_tokens: 5 }
		});
	});
});

describe('stream rendering', () => {
	const sequence = chunks(fixture('canonical-stream.json'));

	function render(list: ChatChunk[], context = ctx()): string {
		const renderer = responsesDoor.createStreamRenderer(context);
		return list.map((c) => renderer.push(c)).join('') + renderer.end(undefined);
	}

	test('golden case 14: events in order with increasing sequence numbers', async () => {
		const text = render(sequence);
		checkFraming(text);
		const events = await sdkEvents(text);
		expect(events.map((e) => e.sequence_number)).toEqual(events.map((_, i) => i));
		expect(events.map((e) => `${e.type}${'output_index' in e ? ` ${e.output_index}` : ''}`)).toEqual([
			'response.created',
			'response.in_progress',
			'response.output_item.added 0',
			'response.reasoning_summary_part.added 0',
			'response.reasoning_summary_text.delta 0',
			'response.reasoning_summary_text.delta 0',
			'response.reasoning_summary_text.done 0',
			'response.reasoning_summary_part.done 0',
			'response.output_item.done 0',
			'response.output_item.added 1',
			'response.content_part.added 1',
			'response.output_text.delta 1',
			'response.output_text.delta 1',
			'response.output_text.done 1',
			'response.content_part.done 1',
			'response.output_item.done 1',
			'response.output_item.added 2',
			'response.function_call_arguments.delta 2',
			'response.output_item.added 3',
			'response.function_call_arguments.delta 2',
			'response.function_call_arguments.done 2',
			'response.output_item.done 2',
			'response.custom_tool_call_input.delta 3',
			'response.custom_tool_call_input.done 3',
			'response.output_item.done 3',
			'response.completed'
		]);
	});

	test('the SDK accumulator rebuilds the completed response from the deltas; it equals the non-stream rendering', async () => {
		const events = await sdkEvents(render(sequence));
		let snapshot: OpenAIResponse | undefined;
		for (const event of events.slice(0, -1)) snapshot = accumulateResponse(event, snapshot);
		const completed = events.at(-1) as Extract<ResponseStreamEvent, { type: 'response.completed' }>;
		expect(snapshot!.output).toEqual(completed.response.output);
		const nonStream = JSON.parse(responsesDoor.renderCompletion(fixture('canonical-completion.json') as ChatCompletion, ctx()));
		expect(completed.response.output).toEqual(nonStream.output);
		expect(completed.response.usage).toEqual(nonStream.usage);
		expect({ ...completed.response, created_at: 0 }).toEqual({ ...nonStream, created_at: 0 });
	});

	test('a text-only stream cut by the token limit ends with response.incomplete', async () => {
		const list = chunks([
			{ choices: [{ index: 0, delta: { role: 'assistant', content: 'Hel' }, finish_reason: null }] },
			{ choices: [{ index: 0, delta: { content: 'lo' }, finish_reason: 'length' }] }
		]);
		const events = await sdkEvents(render(list, ctx({})));
		const last = events.at(-1)!;
		expect(last.type).toBe('response.incomplete');
		expect(last).toMatchObject({ response: { status: 'incomplete', incomplete_details: { reason: 'max_output_tokens' }, output: [{ type: 'message', content: [{ text: 'Hello' }] }] } });
	});

	test('an in-band error: response.failed, then an error event the SDK raises as APIError', async () => {
		const renderer = responsesDoor.createStreamRenderer(ctx({}));
		const err: DoorError = { status: 503, message: 'Upstream overloaded', type: 'server_error', code: 'overloaded', param: null };
		const text = renderer.push(sequence[3]!) + renderer.error(err);
		expect(renderer.end(undefined)).toBe('');
		checkFraming(text);
		const blocks = text.split('\n\n').filter(Boolean);
		expect(JSON.parse(blocks.at(-2)!.split('\n')[1]!.slice(6))).toMatchObject({
			type: 'response.failed',
			response: { status: 'failed', error: { code: 'overloaded', message: 'Upstream overloaded' } }
		});
		expect(JSON.parse(blocks.at(-1)!.split('\n')[1]!.slice(6))).toEqual({ type: 'error', sequence_number: 6, code: 'overloaded', message: 'Upstream overloaded', param: null });
		await expect(sdkEvents(text)).rejects.toThrow(/Upstream overloaded/);
	});
});

describe('error bodies', () => {
	test('OpenAI shape with code and param present', () => {
		expect(responsesDoor.errorBody({ status: 400, message: 'previous_response_id is not supported', type: 'invalid_request_error', code: null, param: 'previous_response_id' })).toEqual({
			error: { message: 'previous_response_id is not supported', type: 'invalid_request_error', param: 'previous_response_id', code: null }
		});
	});
});
