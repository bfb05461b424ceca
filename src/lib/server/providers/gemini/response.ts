import { randomUUID } from 'node:crypto';
import { UpstreamFormatError } from '../../protocol/errors';
import type { AssistantMessage, ChatCompletion, ToolCall } from '../../protocol/canonical';
import type { Door, FinishedResponse } from '../types';
import { chatUsageOf } from '../usage';
import { blockReasonOf, callIdFactory, mapFinishReason, readParts, toolCallOf } from './candidates';
import { arrayOr, isObject, numberOr, stringOr, type Json } from './json';
import { usageFromGemini } from './usage';


/** `GenerateContentResponse` → `chat.completion` text (docs/providers/gemini.md, "Non-stream response"), model = the public name. */
export function finishGeminiResponse(_door: Door, text: string, publicModel: string): FinishedResponse {
	const response = parseResponse(text);
	const completion = toCompletion(response, publicModel, Math.floor(Date.now() / 1000));
	const usage = usageFromGemini(response.usageMetadata);
	if (usage) completion.usage = chatUsageOf(usage);
	let outputText = '';
	for (const choice of completion.choices) {
		outputText += (choice.message.reasoning_content ?? '') + (choice.message.content ?? '');
		for (const call of choice.message.tool_calls ?? []) outputText += call.function.name + call.function.arguments;
	}
	return { body: JSON.stringify(completion), usage, outputText };
}

/** The answer object; AI Studio sometimes wraps a body in a one-element array. */
function parseResponse(text: string): Json {
	let value: unknown;
	try {
		value = JSON.parse(text);
	} catch {
		throw new UpstreamFormatError('The upstream answered with something that is not JSON', true);
	}
	if (Array.isArray(value) && value.length === 1) value = value[0];
	if (!isObject(value)) throw new UpstreamFormatError('The upstream answered with an unexpected JSON value', true);
	return value;
}

export function toCompletion(response: Json, publicModel: string, created: number): ChatCompletion {
	const responseId = typeof response.responseId === 'string' && response.responseId ? response.responseId : undefined;
	const id = responseId ?? `chatcmpl-${randomUUID()}`;
	const candidates = arrayOr(response.candidates).filter(isObject);
	const base = { id, object: 'chat.completion' as const, created, model: publicModel };
	if (candidates.length === 0) {
		if (blockReasonOf(response) === undefined) throw new UpstreamFormatError('The upstream answered with no candidates', true);
		// A blocked prompt answers HTTP 200 with no candidates: an empty, filtered completion.
		return { ...base, choices: [{ index: 0, message: { role: 'assistant', content: '' }, finish_reason: 'content_filter', logprobs: null }] };
	}
	const nextId = callIdFactory(responseId);
	let calls = 0;
	const choices = candidates.map((candidate, i) => {
		let content = '';
		let reasoning = '';
		const toolCalls: ToolCall[] = [];
		for (const part of readParts(candidate.content)) {
			if (part.kind === 'text') content += part.text;
			else if (part.kind === 'reasoning') reasoning += part.text;
			else toolCalls.push(toolCallOf(part, nextId(calls++)));
		}
		const finish = mapFinishReason(stringOr(candidate.finishReason, 'STOP'), toolCalls.length > 0, content.length > 0, stringOr(candidate.finishMessage) || undefined);
		if (typeof finish === 'object') throw new UpstreamFormatError(finish.message, finish.retry);
		const message: AssistantMessage = { role: 'assistant', content: toolCalls.length > 0 && !content ? null : content };
		if (reasoning) message.reasoning_content = reasoning;
		if (toolCalls.length > 0) message.tool_calls = toolCalls;
		return { index: numberOr(candidate.index) ?? i, message, finish_reason: finish, logprobs: null };
	});
	return { ...base, choices };
}

