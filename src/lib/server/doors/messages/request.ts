import * as z from 'zod';
import type { CacheControl, ChatMessage, ChatRequest, ContentPart, FunctionTool, ReasoningEffort, ThinkingBlock, ToolCall, ToolChoice } from '../../protocol/canonical';
import { isRecord, parseOrRefuse } from '../shared';
import { DoorInputError } from '../../protocol/errors';

/*
 * Anthropic Messages request → canonical chat request (docs/doors/messages.md, "Request to canonical"). Only the outer
 * shape is checked with zod (what the Anthropic API itself would refuse); blocks are read
 * one by one, and unknown fields are left behind.
 */

const block = z.looseObject({ type: z.string() });
const message = z.looseObject({
	role: z.enum(['user', 'assistant'], { message: "role must be 'user' or 'assistant'" }),
	content: z.union([z.string(), z.array(block)], { message: 'content must be a string or an array of content blocks' })
});

function bodySchema(requireMaxTokens: boolean) {
	const maxTokens = z.number({ message: 'max_tokens is required' }).int().positive();
	return z.looseObject({
		model: z.string({ message: 'model is required' }).min(1),
		max_tokens: requireMaxTokens ? maxTokens : maxTokens.optional(),
		messages: z.array(message, { message: 'messages is required' }).min(1, 'messages must contain at least one message'),
		system: z.union([z.string(), z.array(z.looseObject({ type: z.literal('text'), text: z.string() }))]).optional(),
		tools: z.array(z.looseObject({ name: z.string().min(1) })).optional(),
		tool_choice: z
			.looseObject({ type: z.enum(['auto', 'any', 'tool', 'none']), name: z.string().optional(), disable_parallel_tool_use: z.boolean().optional() })
			.optional(),
		temperature: z.number().min(0).max(1).optional(),
		top_p: z.number().min(0).max(1).optional(),
		top_k: z.number().int().min(0).optional(),
		stop_sequences: z.array(z.string()).optional(),
		stream: z.boolean().optional(),
		metadata: z.looseObject({ user_id: z.string().nullish() }).optional(),
		thinking: z
			.union([
				z.looseObject({ type: z.literal('enabled'), budget_tokens: z.number().int().min(1024, 'thinking.budget_tokens must be at least 1024') }),
				z.looseObject({ type: z.literal('disabled') }),
				z.looseObject({ type: z.literal('adaptive') })
			])
			.optional()
	});
}

const fullBody = bodySchema(true);
const countBody = bodySchema(false);
type Body = z.infer<typeof countBody>;

/** Server tools run by Anthropic itself (web search, bash, text editor, ...): nothing else can run them. */
function isServerTool(tool: Record<string, unknown>): boolean {
	return typeof tool.type === 'string' && tool.type !== 'custom';
}

/** The door's conversion; `forCounting` is count_tokens' variant, where max_tokens is optional. */
export function messagesToCanonical(raw: Record<string, unknown>, forCounting = false): ChatRequest {
	const body: Body = parseOrRefuse(forCounting ? countBody : fullBody, raw);
	const out: ChatRequest = { model: body.model, messages: [] };

	const system = systemMessage(body.system);
	if (system) out.messages.push(system);
	body.messages.forEach((m, i) => {
		const content = typeof m.content === 'string' ? m.content : m.content.filter(isRecord);
		if (m.role === 'assistant') out.messages.push(assistantMessage(content, i));
		else out.messages.push(...userMessages(content, i));
	});

	if (body.max_tokens !== undefined) out.max_tokens = body.max_tokens;
	if (body.temperature !== undefined) out.temperature = body.temperature;
	if (body.top_p !== undefined) out.top_p = body.top_p;
	if (body.top_k !== undefined) out.top_k = body.top_k;
	const stops = body.stop_sequences?.filter((s) => s.length > 0);
	if (stops?.length) out.stop = stops;
	if (typeof body.metadata?.user_id === 'string' && body.metadata.user_id) out.user = body.metadata.user_id;
	if (body.stream) {
		out.stream = true;
		// Always asked for: message_delta needs the final usage (docs/doors/messages.md, "Request to canonical").
		out.stream_options = { include_usage: true };
	}

	applyTools(out, body);
	applyThinking(out, body, raw);
	const format = outputFormat(raw);
	if (format) out.response_format = format;
	return out;
}

function systemMessage(system: Body['system']): ChatMessage | undefined {
	if (system === undefined) return undefined;
	if (typeof system === 'string') return system ? { role: 'system', content: system } : undefined;
	const blocks = system.filter((b) => b.text.length > 0);
	if (!blocks.length) return undefined;
	// Parts only when a cache breakpoint must survive to an Anthropic-bound request.
	if (blocks.some((b) => cacheControlOf(b))) {
		return { role: 'system', content: blocks.map((b) => textPart(b.text, cacheControlOf(b))) };
	}
	return { role: 'system', content: blocks.map((b) => b.text).join('\n\n') };
}

function cacheControlOf(b: Record<string, unknown>): CacheControl | undefined {
	const cc = b.cache_control;
	if (!isRecord(cc) || cc.type !== 'ephemeral') return undefined;
	return typeof cc.ttl === 'string' ? { type: 'ephemeral', ttl: cc.ttl } : { type: 'ephemeral' };
}

function textPart(text: string, cacheControl: CacheControl | undefined): ContentPart {
	return cacheControl ? { type: 'text', text, cache_control: cacheControl } : { type: 'text', text };
}

function str(value: unknown): string {
	return typeof value === 'string' ? value : '';
}

/** Block types that only an Anthropic upstream can give meaning to (server tool calls and their results). */
const SERVER_BLOCKS = /^(server_tool_use|mcp_tool_use|mcp_tool_result|container_upload|.*_tool_result)$/;

/** A user turn: its tool results first, as tool messages in order, then the rest as one user message. */
function userMessages(content: string | Record<string, unknown>[], at: number): ChatMessage[] {
	if (typeof content === 'string') return [{ role: 'user', content }];
	const tools: ChatMessage[] = [];
	const toolAttachments: ContentPart[] = [];
	const parts: ContentPart[] = [];
	content.forEach((b, j) => {
		const where = `messages.${at}.content.${j}`;
		if (b.type === 'tool_result') {
			const result = toolResult(b, where);
			tools.push(result.message);
			toolAttachments.push(...result.attachments);
		} else if (b.type === 'thinking' || b.type === 'redacted_thinking') {
			// Only meaningful in assistant turns; a user turn carrying one is ignored like Anthropic ignores stray blocks.
		} else if (!(typeof b.type === 'string' && SERVER_BLOCKS.test(b.type))) {
			const part = userPart(b, where);
			if (part) parts.push(part);
		}
	});
	// OpenAI tool messages carry no images or files: they follow as user content, before the turn's own parts.
	const rest = [...toolAttachments, ...parts];
	return rest.length ? [...tools, { role: 'user', content: rest }] : tools;
}

function userPart(b: Record<string, unknown>, where: string): ContentPart | undefined {
	const cc = cacheControlOf(b);
	const withCache = <T extends ContentPart>(part: T): T => (cc && part.type !== 'input_audio' ? { ...part, cache_control: cc } : part);
	switch (b.type) {
		case 'text':
			return str(b.text) ? textPart(str(b.text), cc) : undefined;
		case 'image': {
			const url = sourceUrl(b.source, where);
			return withCache({ type: 'image_url', image_url: { url } });
		}
		case 'document': {
			const source = isRecord(b.source) ? b.source : {};
			if (source.type === 'text') return textPart(str(source.data), cc);
			if (source.type === 'content' && Array.isArray(source.content)) {
				const text = source.content
					.filter(isRecord)
					.map((c) => str(c.text))
					.filter(Boolean)
					.join('\n\n');
				return text ? textPart(text, cc) : undefined;
			}
			const filename = str(b.title) || undefined;
			return withCache({ type: 'file', file: { file_data: sourceUrl(source, where), ...(filename ? { filename } : {}) } });
		}
		default:
			throw new DoorInputError(`${where}: content block type '${String(b.type)}' is not supported on this route`, `${where}.type`);
	}
}

/** A base64 source as a data URL, a url source as is; file ids cannot be resolved off Anthropic. */
function sourceUrl(source: unknown, where: string): string {
	if (isRecord(source)) {
		if (source.type === 'base64' && typeof source.data === 'string' && typeof source.media_type === 'string') {
			return `data:${source.media_type};base64,${source.data}`;
		}
		if (source.type === 'url' && typeof source.url === 'string') return source.url;
		if (source.type === 'file') {
			throw new DoorInputError(`${where}: file sources (Files API ids) are not supported on this route`, `${where}.source`);
		}
	}
	throw new DoorInputError(`${where}: source must be base64 data or a url`, `${where}.source`);
}

/**
 * A tool_result as a tool message (its text, documents' text included) and the images and
 * files it holds, which OpenAI tool messages cannot carry: they follow in a user message.
 */
function toolResult(b: Record<string, unknown>, where: string): { message: ChatMessage; attachments: ContentPart[] } {
	if (typeof b.tool_use_id !== 'string' || !b.tool_use_id) {
		throw new DoorInputError(`${where}: tool_result.tool_use_id is required`, `${where}.tool_use_id`);
	}
	let text = '';
	const attachments: ContentPart[] = [];
	if (typeof b.content === 'string') text = b.content;
	else if (Array.isArray(b.content)) {
		const texts: string[] = [];
		b.content.forEach((c: unknown, k) => {
			const at = `${where}.content.${k}`;
			if (!isRecord(c)) throw new DoorInputError(`${at}: a content block must be an object`, at);
			if (c.type === 'text') return void texts.push(str(c.text));
			// Images and documents are read as in a user turn (anything else is refused there).
			const part = userPart(c, at);
			if (part?.type === 'text') texts.push(part.text);
			else if (part) attachments.push(part);
		});
		text = texts.join('\n');
	}
	if (b.is_error === true) text = `[error] ${text}`;
	return { message: { role: 'tool', tool_call_id: b.tool_use_id, content: text }, attachments };
}

/** An assistant turn: text joined, tool_use as tool_calls, thinking kept for the signature round trip. */
function assistantMessage(content: string | Record<string, unknown>[], at: number): ChatMessage {
	if (typeof content === 'string') return { role: 'assistant', content };
	const texts: ContentPart[] = [];
	const calls: ToolCall[] = [];
	const thinking: ThinkingBlock[] = [];
	let reasoning = '';
	content.forEach((b, j) => {
		const where = `messages.${at}.content.${j}`;
		if (b.type === 'text') {
			if (str(b.text)) texts.push(textPart(str(b.text), cacheControlOf(b)));
		} else if (b.type === 'tool_use') {
			if (typeof b.id !== 'string' || typeof b.name !== 'string') {
				throw new DoorInputError(`${where}: tool_use needs an id and a name`, where);
			}
			calls.push({ id: b.id, type: 'function', function: { name: b.name, arguments: JSON.stringify(b.input ?? {}) } });
		} else if (b.type === 'thinking') {
			const block: ThinkingBlock = { type: 'thinking', thinking: str(b.thinking) };
			if (typeof b.signature === 'string') block.signature = b.signature;
			thinking.push(block);
			reasoning += str(b.thinking);
		} else if (b.type === 'redacted_thinking') {
			thinking.push({ type: 'redacted_thinking', data: str(b.data) });
		} else if (!(typeof b.type === 'string' && SERVER_BLOCKS.test(b.type))) {
			// Server tool blocks are the record of tools only Anthropic runs: left out, like those tools.
			throw new DoorInputError(`${where}: content block type '${String(b.type)}' is not supported in an assistant turn on this route`, `${where}.type`);
		}
	});
	const cached = texts.some((t) => t.type === 'text' && t.cache_control);
	const text = texts.map((t) => (t.type === 'text' ? t.text : '')).join('');
	const msg: ChatMessage = { role: 'assistant', content: cached ? texts : text || (calls.length ? null : '') };
	if (calls.length) msg.tool_calls = calls;
	if (thinking.length) msg.thinking_blocks = thinking;
	if (reasoning) msg.reasoning_content = reasoning;
	return msg;
}

function applyTools(out: ChatRequest, body: Body): void {
	const tools: FunctionTool[] = [];
	for (const t of body.tools ?? []) {
		if (isServerTool(t)) continue; // docs/doors/messages.md, "Request to canonical": Anthropic-only, dropped on a converted route
		const fn: FunctionTool['function'] = { name: t.name };
		if (typeof t.description === 'string') fn.description = t.description;
		fn.parameters = isRecord(t.input_schema) ? t.input_schema : { type: 'object', properties: {} };
		if (typeof t.strict === 'boolean') fn.strict = t.strict;
		const tool: FunctionTool = { type: 'function', function: fn };
		const cc = cacheControlOf(t);
		if (cc) tool.cache_control = cc;
		tools.push(tool);
	}
	const choice = body.tool_choice;
	if (!tools.length) {
		if (choice?.type === 'tool' || choice?.type === 'any') {
			throw new DoorInputError('tool_choice requires a client tool; server tools are not available on this route', 'tool_choice');
		}
		return;
	}
	out.tools = tools;
	if (!choice) return;
	let mapped: ToolChoice;
	if (choice.type === 'auto') mapped = 'auto';
	else if (choice.type === 'any') mapped = 'required';
	else if (choice.type === 'none') mapped = 'none';
	else {
		if (!choice.name) throw new DoorInputError('tool_choice.name is required when tool_choice.type is tool', 'tool_choice.name');
		if (!tools.some((t) => t.function.name === choice.name)) {
			throw new DoorInputError(`tool_choice names a tool that is not available: ${choice.name}`, 'tool_choice.name');
		}
		mapped = { type: 'function', function: { name: choice.name } };
	}
	out.tool_choice = mapped;
	if (choice.disable_parallel_tool_use === true && choice.type !== 'none') out.parallel_tool_calls = false;
}

const EFFORTS: Record<string, ReasoningEffort> = { low: 'low', medium: 'medium', high: 'high', max: 'xhigh', xhigh: 'xhigh', minimal: 'minimal' };

function applyThinking(out: ChatRequest, body: Body, raw: Record<string, unknown>): void {
	const thinking = body.thinking;
	if (thinking?.type === 'enabled') {
		const budget = thinking.budget_tokens;
		out.thinking_budget = budget;
		out.reasoning_effort = budget <= 1024 ? 'low' : budget <= 8192 ? 'medium' : 'high';
		return;
	}
	const effort = isRecord(raw.output_config) ? raw.output_config.effort : undefined;
	if (thinking?.type === 'adaptive' && typeof effort === 'string' && EFFORTS[effort]) out.reasoning_effort = EFFORTS[effort];
}

/** `output_config.format` (or the beta-era `output_format`) as response_format. */
function outputFormat(raw: Record<string, unknown>): ChatRequest['response_format'] {
	const format = isRecord(raw.output_config) && isRecord(raw.output_config.format) ? raw.output_config.format : raw.output_format;
	if (!isRecord(format) || format.type !== 'json_schema' || !isRecord(format.schema)) return undefined;
	return { type: 'json_schema', json_schema: { name: 'response', schema: format.schema, strict: true } };
}
