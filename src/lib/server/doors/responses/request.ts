import * as z from 'zod';
import type { ChatMessage, ChatRequest, ContentPart, FunctionTool, ReasoningEffort, ResponseFormat, ToolChoice } from '../../protocol/canonical';
import { isRecord, parseOrRefuse } from '../shared';
import { DoorInputError } from '../../protocol/errors';

/*
 * OpenAI Responses request → canonical chat request (docs/doors/responses.md, "Request to canonical"). Stateless: anything
 * that needs a stored response (previous_response_id, conversation, item_reference) is refused.
 */

const bodySchema = z.looseObject({
	model: z.string({ message: 'model is required' }).min(1),
	input: z.union([z.string(), z.array(z.looseObject({}))], { message: 'input must be a string or an array of items' }),
	instructions: z.string().nullish(),
	tools: z.array(z.looseObject({ type: z.string() })).optional(),
	tool_choice: z.union([z.enum(['auto', 'none', 'required']), z.looseObject({ type: z.string() })]).optional(),
	max_output_tokens: z.number().int().positive().nullish(),
	temperature: z.number().min(0).max(2).nullish(),
	top_p: z.number().min(0).max(1).nullish(),
	parallel_tool_calls: z.boolean().nullish(),
	stream: z.boolean().nullish(),
	user: z.string().nullish(),
	safety_identifier: z.string().nullish(),
	metadata: z.record(z.string(), z.string()).nullish(),
	text: z.looseObject({ format: z.looseObject({ type: z.string() }).optional() }).nullish(),
	reasoning: z.looseObject({ effort: z.string().nullish(), summary: z.string().nullish() }).nullish(),
	prompt_cache_key: z.string().nullish()
});
type Body = z.infer<typeof bodySchema>;

/**
 * Built-in tools the Responses API runs on its side: a chat upstream cannot, so they are left
 * out (docs/doors/responses.md, "Request to canonical": dropped), and the model answers without them. Built-ins the *client* executes
 * (local_shell, shell, apply_patch, computer_use) are refused instead: their calls come back
 * as item types a converted answer cannot produce, and dropping them would leave an agent
 * silently unable to act.
 */
const SERVER_BUILT_INS = new Set([
	'web_search',
	'web_search_preview',
	'web_search_2025_08_26',
	'web_search_preview_2025_03_11',
	'file_search',
	'code_interpreter',
	'image_generation',
	'mcp'
]);

/**
 * A custom (freeform) tool becomes a function with one string argument, `input`; the answer's
 * calls to it go back as custom_tool_call items (see response.ts).
 */
export function customToolParameters(): Record<string, unknown> {
	return { type: 'object', properties: { input: { type: 'string', description: 'The raw input for the tool.' } }, required: ['input'], additionalProperties: false };
}

/** The names of the request's custom tools (their calls render as custom_tool_call). */
export function customToolNames(request: Record<string, unknown>): Set<string> {
	const names = new Set<string>();
	if (Array.isArray(request.tools)) {
		for (const t of request.tools) if (isRecord(t) && t.type === 'custom' && typeof t.name === 'string') names.add(t.name);
	}
	return names;
}

export function responsesToCanonical(raw: Record<string, unknown>): ChatRequest {
	for (const key of ['previous_response_id', 'conversation'] as const) {
		if (raw[key] !== undefined && raw[key] !== null) {
			throw new DoorInputError(`${key} is not supported: this gateway does not store responses; send the whole conversation in input`, key);
		}
	}
	if (raw.background === true) throw new DoorInputError('background responses are not supported', 'background');
	const body = parseOrRefuse(bodySchema, raw);
	const out: ChatRequest = { model: body.model, messages: [] };
	if (body.instructions) out.messages.push({ role: 'system', content: body.instructions });
	if (typeof body.input === 'string') out.messages.push({ role: 'user', content: body.input });
	else out.messages.push(...inputMessages(body.input));

	if (body.max_output_tokens != null) out.max_tokens = body.max_output_tokens;
	if (body.temperature != null) out.temperature = body.temperature;
	if (body.top_p != null) out.top_p = body.top_p;
	if (body.parallel_tool_calls != null) out.parallel_tool_calls = body.parallel_tool_calls;
	const user = body.safety_identifier ?? body.user;
	if (user) out.user = user;
	if (body.metadata) out.metadata = body.metadata;
	if (body.prompt_cache_key) out.prompt_cache_key = body.prompt_cache_key;
	if (body.stream) {
		out.stream = true;
		out.stream_options = { include_usage: true };
	}
	const effort = body.reasoning?.effort;
	if (effort && ['none', 'minimal', 'low', 'medium', 'high', 'xhigh'].includes(effort)) out.reasoning_effort = effort as ReasoningEffort;
	const format = responseFormat(body.text?.format);
	if (format) out.response_format = format;
	applyTools(out, body);
	return out;
}

/**
 * Input items in order. Assistant output (messages, reasoning, function calls) that follows
 * without a user or tool turn in between forms one assistant turn; reasoning summaries go
 * into its reasoning_content.
 */
function inputMessages(items: Record<string, unknown>[]): ChatMessage[] {
	const out: ChatMessage[] = [];
	let turn: ChatMessage | undefined; // the assistant turn being built
	let reasoning = '';

	const assistant = (): ChatMessage => {
		if (!turn) {
			turn = { role: 'assistant', content: null };
			out.push(turn);
		}
		if (reasoning) {
			turn.reasoning_content = (turn.reasoning_content ?? '') + reasoning;
			reasoning = '';
		}
		return turn;
	};
	const other = (m: ChatMessage) => {
		turn = undefined;
		reasoning = '';
		out.push(m);
	};

	items.forEach((item, i) => {
		const where = `input.${i}`;
		const type = item.type ?? (typeof item.role === 'string' ? 'message' : undefined);
		switch (type) {
			case 'message': {
				const role = item.role;
				if (role === 'assistant') {
					const text = assistantText(item.content, where);
					const t = assistant();
					if (text) t.content = (typeof t.content === 'string' ? t.content : '') + text;
				} else if (role === 'user' || role === 'system' || role === 'developer') {
					other({ role, content: inputContent(item.content, where) });
				} else throw new DoorInputError(`${where}.role must be user, assistant, system or developer`, `${where}.role`);
				break;
			}
			case 'function_call':
			case 'custom_tool_call': {
				const callId = item.call_id;
				if (typeof callId !== 'string' || typeof item.name !== 'string') {
					throw new DoorInputError(`${where}: ${type} needs call_id and name`, where);
				}
				const args = type === 'function_call' ? (typeof item.arguments === 'string' && item.arguments ? item.arguments : '{}') : JSON.stringify({ input: typeof item.input === 'string' ? item.input : '' });
				const t = assistant();
				(t.tool_calls ??= []).push({ id: callId, type: 'function', function: { name: item.name, arguments: args } });
				break;
			}
			case 'function_call_output':
			case 'custom_tool_call_output': {
				if (typeof item.call_id !== 'string') throw new DoorInputError(`${where}.call_id is required`, `${where}.call_id`);
				const { text, attachments } = toolOutput(item.output, where);
				other({ role: 'tool', tool_call_id: item.call_id, content: text });
				if (attachments.length) other({ role: 'user', content: attachments });
				break;
			}
			case 'reasoning': {
				// encrypted_content belongs to another provider's session and cannot be converted; the summary is kept.
				const summary = Array.isArray(item.summary) ? item.summary.filter(isRecord).map((s) => (typeof s.text === 'string' ? s.text : '')) : [];
				const text = summary.filter(Boolean).join('\n\n');
				if (text) reasoning += (reasoning ? '\n\n' : '') + text;
				break;
			}
			case 'item_reference':
				throw new DoorInputError(`${where}: item_reference is not supported: this gateway does not store responses`, `${where}.type`);
			case 'web_search_call':
				break; // the record of a built-in search a previous turn ran: nothing to replay
			default:
				throw new DoorInputError(`${where}: input item type '${String(type)}' is not supported on this route`, `${where}.type`);
		}
	});
	// Preceding empty assistant turns must still carry something: content null is only valid with tool calls.
	for (const m of out) if (m.role === 'assistant' && m.content === null && !m.tool_calls) m.content = '';
	return out;
}

/** An assistant message's text: its output_text and refusal parts (a chat assistant turn holds nothing else). */
function assistantText(content: unknown, where: string): string {
	if (typeof content === 'string') return content;
	return partsOf(content, `${where}.content`)
		.map((p, j) => {
			if (p.type === 'output_text' || p.type === 'input_text') return String(p.text ?? '');
			if (p.type === 'refusal') return String(p.refusal ?? '');
			throw new DoorInputError(`${where}.content.${j}: content type '${String(p.type)}' is not supported in an assistant message on this route`, `${where}.content.${j}.type`);
		})
		.join('');
}

function inputContent(content: unknown, where: string): string | ContentPart[] {
	if (typeof content === 'string') return content;
	return partsOf(content, `${where}.content`).map((p, j) => inputPart(p, `${where}.content.${j}`));
}

/** A content array whose parts are all objects (a non-object part is refused, not skipped). */
function partsOf(content: unknown, where: string): Record<string, unknown>[] {
	if (!Array.isArray(content)) throw new DoorInputError(`${where} must be a string or an array`, where);
	return content.map((p: unknown, j) => {
		if (!isRecord(p)) throw new DoorInputError(`${where}.${j}: a content part must be an object`, `${where}.${j}`);
		return p;
	});
}

function inputPart(p: Record<string, unknown>, where: string): ContentPart {
	switch (p.type) {
		case 'input_text':
		case 'output_text':
			return { type: 'text', text: typeof p.text === 'string' ? p.text : '' };
		case 'refusal':
			return { type: 'text', text: typeof p.refusal === 'string' ? p.refusal : '' };
		case 'input_image': {
			if (typeof p.image_url !== 'string') {
				throw new DoorInputError(`${where}: input_image needs image_url (file ids cannot be resolved on this route)`, `${where}.image_url`);
			}
			const detail = p.detail === 'low' || p.detail === 'high' || p.detail === 'auto' ? p.detail : undefined;
			return { type: 'image_url', image_url: detail ? { url: p.image_url, detail } : { url: p.image_url } };
		}
		case 'input_file': {
			const data = typeof p.file_data === 'string' ? p.file_data : typeof p.file_url === 'string' ? p.file_url : undefined;
			const file: { file_data?: string; filename?: string; file_id?: string } = {};
			if (data) file.file_data = data;
			if (typeof p.filename === 'string') file.filename = p.filename;
			if (typeof p.file_id === 'string') file.file_id = p.file_id;
			if (!file.file_data && !file.file_id) throw new DoorInputError(`${where}: input_file needs file_data, file_url or file_id`, where);
			return { type: 'file', file };
		}
		default:
			throw new DoorInputError(`${where}: content type '${String(p.type)}' is not supported on this route`, `${where}.type`);
	}
}

/**
 * A tool output (string or parts) as the tool message's text, with its images and files
 * apart: chat tool messages carry only text, so those follow in a user message.
 */
function toolOutput(output: unknown, where: string): { text: string; attachments: ContentPart[] } {
	if (typeof output === 'string') return { text: output, attachments: [] };
	if (!Array.isArray(output)) return { text: output === undefined ? '' : JSON.stringify(output), attachments: [] };
	const texts: string[] = [];
	const attachments: ContentPart[] = [];
	partsOf(output, `${where}.output`).forEach((p, j) => {
		const part = inputPart(p, `${where}.output.${j}`);
		if (part.type === 'text') texts.push(part.text);
		else attachments.push(part);
	});
	return { text: texts.join('\n'), attachments };
}

function responseFormat(format: Record<string, unknown> | undefined): ResponseFormat | undefined {
	if (!format) return undefined;
	if (format.type === 'json_object') return { type: 'json_object' };
	if (format.type !== 'json_schema') return undefined;
	if (typeof format.name !== 'string' || !isRecord(format.schema)) {
		throw new DoorInputError('text.format json_schema needs a name and a schema', 'text.format');
	}
	const js: { name: string; schema?: Record<string, unknown>; strict?: boolean; description?: string } = { name: format.name, schema: format.schema };
	if (typeof format.strict === 'boolean') js.strict = format.strict;
	if (typeof format.description === 'string') js.description = format.description;
	return { type: 'json_schema', json_schema: js };
}

function applyTools(out: ChatRequest, body: Body): void {
	const tools: FunctionTool[] = [];
	(body.tools ?? []).forEach((t, i) => {
		if (t.type === 'function') {
			if (typeof t.name !== 'string' || !t.name) throw new DoorInputError(`tools.${i}.name is required`, `tools.${i}.name`);
			const fn: FunctionTool['function'] = { name: t.name };
			if (typeof t.description === 'string') fn.description = t.description;
			fn.parameters = isRecord(t.parameters) ? t.parameters : { type: 'object', properties: {} };
			if (typeof t.strict === 'boolean') fn.strict = t.strict;
			tools.push({ type: 'function', function: fn });
		} else if (t.type === 'custom') {
			if (typeof t.name !== 'string' || !t.name) throw new DoorInputError(`tools.${i}.name is required`, `tools.${i}.name`);
			tools.push({ type: 'function', function: { name: t.name, description: customDescription(t), parameters: customToolParameters() } });
		} else if (!SERVER_BUILT_INS.has(t.type)) {
			throw new DoorInputError(`tools.${i}: tool type '${t.type}' is not supported on this route`, `tools.${i}.type`);
		}
	});
	if (tools.length) out.tools = tools;
	const choice = toolChoice(body.tool_choice, tools);
	if (choice) out.tool_choice = choice;
}

/** The custom tool's description, with its input grammar so the model can follow it. */
function customDescription(t: Record<string, unknown>): string {
	const parts = [typeof t.description === 'string' ? t.description : ''];
	const format = t.format;
	if (isRecord(format) && format.type === 'grammar' && typeof format.definition === 'string') {
		parts.push(`The input must follow this ${typeof format.syntax === 'string' ? format.syntax : ''} grammar:\n${format.definition}`);
	}
	parts.push('Pass the raw input as the string argument `input`.');
	return parts.filter(Boolean).join('\n\n');
}

function toolChoice(choice: Body['tool_choice'], tools: FunctionTool[]): ToolChoice | undefined {
	if (choice === undefined) return undefined;
	if (typeof choice === 'string') return tools.length || choice === 'none' ? choice : undefined;
	if ((choice.type === 'function' || choice.type === 'custom') && typeof choice.name === 'string') {
		if (!tools.some((t) => t.function.name === choice.name)) {
			throw new DoorInputError(`tool_choice names a tool that is not in tools: ${choice.name}`, 'tool_choice.name');
		}
		return { type: 'function', function: { name: choice.name } };
	}
	if (choice.type === 'allowed_tools') return choice.mode === 'required' ? 'required' : 'auto';
	// A built-in tool forced by type: it was dropped, so the model chooses.
	return tools.length ? 'auto' : undefined;
}
