import type { AssistantMessage, ChatCompletion, ThinkingBlock, ToolCall } from '../../protocol/canonical';
import type { Door, FinishedResponse } from '../types';
import { chatUsageOf } from '../usage';
import { UpstreamFormatError } from '../../protocol/errors';
import { finishReasonOf } from './finish';
import { arr, parseJson, rec, str, type Json } from './guards';
import { fromAnthropicName, JSON_TOOL_NAME } from './names';
import { usageFromAnthropic } from './usage';

/**
 * A non-stream Anthropic answer. On the /v1/messages door it goes back as Anthropic JSON with
 * the public model name; otherwise it becomes a `chat.completion` (docs/providers/anthropic.md, "Non-stream response").
 */
export function finishAnthropicResponse(door: Door, text: string, publicModel: string): FinishedResponse {
	const message = rec(parseJson(text));
	if (!message) throw new UpstreamFormatError('The upstream answered with something that is not a JSON object');
	if (message.type !== 'message' || !Array.isArray(message.content)) {
		throw new UpstreamFormatError('The upstream answered with something other than a message');
	}
	const usage = usageFromAnthropic(message.usage);
	if (door === 'messages') return { body: withModel(text, message, publicModel), usage, outputText: blocksText(message.content) };
	const completion = toCompletion(message, publicModel);
	if (usage) completion.usage = chatUsageOf(usage);
	return { body: JSON.stringify(completion), usage, outputText: blocksText(message.content) };
}

function toCompletion(message: Json, publicModel: string): ChatCompletion {
	let content = '';
	let reasoning = '';
	let jsonTool = false;
	const thinking: ThinkingBlock[] = [];
	const toolCalls: ToolCall[] = [];
	for (const item of arr(message.content)) {
		const block = rec(item);
		if (!block) continue;
		if (block.type === 'text') content += str(block.text) ?? '';
		else if (block.type === 'thinking') {
			const text = str(block.thinking) ?? '';
			reasoning += text;
			thinking.push({ type: 'thinking', thinking: text, signature: str(block.signature) ?? '' });
		} else if (block.type === 'redacted_thinking') thinking.push({ type: 'redacted_thinking', data: str(block.data) ?? '' });
		else if (block.type === 'tool_use') {
			const name = str(block.name) ?? '';
			const input = JSON.stringify(rec(block.input) ?? {});
			if (name === JSON_TOOL_NAME) {
				jsonTool = true;
				content += input;
			} else {
				toolCalls.push({ id: str(block.id) ?? '', type: 'function', function: { name: fromAnthropicName(name), arguments: input } });
			}
		}
		// server_tool_use, web_search_tool_result and other server-side blocks have no chat form.
	}
	const out: AssistantMessage = { role: 'assistant', content: content === '' && toolCalls.length ? null : content, refusal: null };
	if (toolCalls.length) out.tool_calls = toolCalls;
	if (reasoning) out.reasoning_content = reasoning;
	if (thinking.length) out.thinking_blocks = thinking;
	return {
		// Anthropic's own id (msg_…), so a client's id can be found in the upstream's logs.
		id: str(message.id) ?? `chatcmpl-${crypto.randomUUID()}`,
		object: 'chat.completion',
		created: Math.floor(Date.now() / 1000),
		model: publicModel,
		choices: [{ index: 0, message: out, logprobs: null, finish_reason: finishReasonOf(message.stop_reason, jsonTool) }]
	};
}

/**
 * The Anthropic body with the public model name. The model field sits before "content" in
 * Anthropic's answers, so it is swapped in the text and everything else (signatures included)
 * goes back exactly as received; an unusual layout is re-serialised.
 */
function withModel(text: string, message: Json, publicModel: string): string {
	if (message.model === publicModel) return text;
	if (typeof message.model === 'string') {
		const from = `"model":${JSON.stringify(message.model)}`;
		const at = text.indexOf(from);
		const content = text.indexOf('"content"');
		if (at >= 0 && (content < 0 || at < content)) return text.slice(0, at) + `"model":${JSON.stringify(publicModel)}` + text.slice(at + from.length);
	}
	return JSON.stringify({ ...message, model: publicModel });
}

/** Text, thinking and tool input of a message's blocks, for counting when no usage came. */
function blocksText(content: unknown[]): string {
	let text = '';
	for (const item of content) {
		const block = rec(item);
		if (!block) continue;
		text += str(block.text) ?? str(block.thinking) ?? '';
		if (block.type === 'tool_use') text += (str(block.name) ?? '') + JSON.stringify(block.input ?? {});
	}
	return text;
}
