import type { ChatMessage, ChatRequest, ContentPart } from '../canonical';

/**
 * Workers AI's default max_tokens is small (256 on many models) and truncates silently, so a
 * request without a limit gets this one (PROTOCOLS.md §7.2).
 */
export const DEFAULT_MAX_TOKENS = 2048;

/** Sampling fields the native text-generation schemas share. */
const NUMBERS = ['temperature', 'top_p', 'top_k', 'seed', 'frequency_penalty', 'presence_penalty', 'repetition_penalty'] as const;

/** The limit a converted request asks for, so that finish "length" can be inferred from usage. */
export function maxTokensOf(req: ChatRequest): number {
	return req.max_completion_tokens ?? req.max_tokens ?? DEFAULT_MAX_TOKENS;
}

/**
 * Canonical request → `/ai/run/{model}` body (PROTOCOLS.md §7.2): string content, tools in
 * OpenAI's function form, max_tokens always set. Parameters the native schemas lack (n, stop,
 * logprobs, user, tool_choice, parallel_tool_calls, reasoning_effort…) are dropped.
 */
export function nativeBody(req: ChatRequest, stream: boolean): Record<string, unknown> {
	const out: Record<string, unknown> = { messages: nativeMessages(req.messages), max_tokens: maxTokensOf(req) };
	if (stream) out.stream = true;
	for (const key of NUMBERS) {
		const value = req[key];
		if (typeof value === 'number' && Number.isFinite(value)) out[key] = value;
	}
	if (req.tools?.length) {
		out.tools = req.tools.map(({ function: fn }) => ({
			type: 'function',
			function: { name: fn.name, ...(fn.description ? { description: fn.description } : {}), parameters: fn.parameters ?? { type: 'object', properties: {} } }
		}));
	}
	const format = req.response_format;
	if (format?.type === 'json_object') out.response_format = { type: 'json_object' };
	// JSON mode takes the schema itself under json_schema, not OpenAI's {name, schema} wrapper.
	if (format?.type === 'json_schema') out.response_format = { type: 'json_schema', json_schema: format.json_schema.schema ?? { type: 'object' } };
	return out;
}

/**
 * Roles the native models know: system, user, assistant, tool. Content is a string (text parts
 * joined with "\n"; images and files are dropped — only model-specific vision schemas take
 * bytes). Assistant tool calls keep OpenAI's shape; tool results carry the call's id and the
 * tool's name, which some models need.
 */
export function nativeMessages(messages: ChatMessage[]): Array<Record<string, unknown>> {
	const names = new Map<string, string>();
	const out: Array<Record<string, unknown>> = [];
	for (const message of messages) {
		const content = textOf(message.content);
		switch (message.role) {
			case 'system':
			case 'developer':
				out.push({ role: 'system', content });
				break;
			case 'assistant': {
				const entry: Record<string, unknown> = { role: 'assistant', content };
				if (message.tool_calls?.length) {
					for (const call of message.tool_calls) names.set(call.id, call.function.name);
					entry.tool_calls = message.tool_calls.map((call) => ({
						id: call.id,
						type: 'function',
						function: { name: call.function.name, arguments: call.function.arguments || '{}' }
					}));
				}
				out.push(entry);
				break;
			}
			case 'tool':
			case 'function': {
				const id = message.tool_call_id;
				const name = message.name ?? (id !== undefined ? names.get(id) : undefined);
				out.push({ role: 'tool', content, ...(id !== undefined ? { tool_call_id: id } : {}), ...(name !== undefined ? { name } : {}) });
				break;
			}
			default:
				out.push({ role: 'user', content });
		}
	}
	return out;
}

function textOf(content: string | ContentPart[] | null): string {
	if (typeof content === 'string') return content;
	if (!content) return '';
	return content
		.filter((part): part is Extract<ContentPart, { type: 'text' }> => part.type === 'text')
		.map((part) => part.text)
		.join('\n');
}
