import type { ChatCompletion, ChatUsage, FinishReason } from '../../protocol/canonical';
import { argumentsObject, idPart } from '../shared';
import type { RenderContext } from '../../protocol/door';

/*
 * Canonical chat.completion → Anthropic `message` (docs/doors/messages.md, "Canonical to response").
 */

export type StopReason = 'end_turn' | 'max_tokens' | 'tool_use' | 'refusal' | 'stop_sequence';

/**
 * The canonical finish reason as Anthropic's stop_reason. `stop` is always `end_turn`: an
 * OpenAI-style answer does not say whether a stop sequence ended it, nor which one.
 */
export function stopReasonOf(finish: FinishReason | null | undefined): StopReason {
	switch (finish) {
		case 'length':
			return 'max_tokens';
		case 'tool_calls':
		case 'function_call':
			return 'tool_use';
		case 'content_filter':
			return 'refusal';
		default:
			return 'end_turn';
	}
}

export interface AnthropicUsage {
	input_tokens: number;
	output_tokens: number;
	cache_creation_input_tokens: number;
	cache_read_input_tokens: number;
}

/** Anthropic's input_tokens exclude cache reads and writes; OpenAI's prompt_tokens include both. */
export function anthropicUsageOf(usage: ChatUsage | null | undefined): AnthropicUsage {
	if (!usage) return { input_tokens: 0, output_tokens: 0, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 };
	const read = usage.prompt_tokens_details?.cached_tokens ?? usage.cache_read_input_tokens ?? 0;
	const write = usage.cache_creation_input_tokens ?? 0;
	return {
		input_tokens: Math.max(0, usage.prompt_tokens - read - write),
		output_tokens: usage.completion_tokens,
		cache_creation_input_tokens: write,
		cache_read_input_tokens: read
	};
}

export function messageId(ctx: RenderContext): string {
	return `msg_${idPart(ctx.requestId)}`;
}

type Block =
	| { type: 'thinking'; thinking: string; signature: string }
	| { type: 'redacted_thinking'; data: string }
	| { type: 'text'; text: string }
	| { type: 'tool_use'; id: string; name: string; input: Record<string, unknown> };

export function renderMessage(completion: ChatCompletion, ctx: RenderContext): string {
	const choice = completion.choices[0];
	const msg = choice?.message;
	const content: Block[] = [];
	if (msg?.thinking_blocks?.length) {
		for (const b of msg.thinking_blocks) {
			content.push(b.type === 'thinking' ? { type: 'thinking', thinking: b.thinking, signature: b.signature ?? '' } : b);
		}
	} else if (msg?.reasoning_content) {
		// Thinking from a non-Anthropic upstream has no signature to give (docs/doors/messages.md, "Canonical to response").
		content.push({ type: 'thinking', thinking: msg.reasoning_content, signature: '' });
	}
	const text = msg?.content || msg?.refusal || '';
	if (text) content.push({ type: 'text', text });
	for (const call of msg?.tool_calls ?? []) {
		content.push({ type: 'tool_use', id: call.id, name: call.function.name, input: argumentsObject(call.function.arguments) });
	}
	return JSON.stringify({
		id: messageId(ctx),
		type: 'message',
		role: 'assistant',
		model: ctx.publicModel,
		content,
		stop_reason: stopReasonOf(choice?.finish_reason),
		stop_sequence: null,
		usage: anthropicUsageOf(completion.usage)
	});
}
