import type { ChatCompletion, FinishReason } from '../../protocol/canonical';
import { UpstreamFormatError } from '../../protocol/errors';
import { finishOpenAIResponse } from '../openai/response';
import { parseJsonObject } from '../sse-reader';
import type { Door, FinishedResponse, NormalizedUsage } from '../types';
import { chatUsageOf } from '../usage';
import { envelopeMessage } from './errors';
import { toolCallsOf } from './tool-calls';
import { workersUsage } from './usage';

/**
 * A Workers AI answer for the client. The OpenAI-compatible endpoints answer in OpenAI's shape
 * (passed through with the public model name); /ai/run wraps its answer in Cloudflare's
 * envelope `{result, success, errors}` (docs/providers/workers-ai.md, "Non-stream response"), where `result` is either
 * `{response, tool_calls, usage}` (converted here) or, on newer models, a whole
 * `chat.completion` (passed through). Which one came is read from the body, as the adaptor
 * interface does not say which endpoint was called.
 *
 * `maxTokens` is what the request asked for, to tell "length" from "stop" (the native answer
 * has no finish reason); without it, "length" cannot be inferred.
 */
export function finishWorkersAiResponse(door: Door, text: string, publicModel: string, maxTokens?: number): FinishedResponse {
	const body = parseJsonObject(text);
	if (!body) throw new UpstreamFormatError('The upstream answered with something that is not a JSON object');
	if (!('result' in body) && !('success' in body)) return openaiShaped(door, text, publicModel);
	if (body.success === false) throw new UpstreamFormatError(envelopeMessage(body) ?? 'The upstream reported a failure');
	const result = body.result;
	if (result === null || typeof result !== 'object' || Array.isArray(result)) {
		throw new UpstreamFormatError('The upstream answered without a result');
	}
	const r = result as Record<string, unknown>;
	if (Array.isArray(r.choices)) return openaiShaped(door, JSON.stringify(r), publicModel);
	return convertNative(r, publicModel, maxTokens);
}

/** An OpenAI-shaped answer passes through; zero usage counts as none. */
function openaiShaped(door: Door, text: string, publicModel: string): FinishedResponse {
	const finished = finishOpenAIResponse(door, text, publicModel);
	const u = finished.usage;
	return u && u.inputUncached + u.cacheRead + u.cacheWrite + u.output === 0 ? { ...finished, usage: undefined } : finished;
}

function convertNative(result: Record<string, unknown>, publicModel: string, maxTokens: number | undefined): FinishedResponse {
	// Image-to-text models answer in `description` (docs/providers/workers-ai.md).
	const text = contentOf(result.response ?? result.description);
	const toolCalls = toolCallsOf(result.tool_calls);
	const usage = workersUsage(result.usage);
	const completion: ChatCompletion = {
		id: `chatcmpl-${crypto.randomUUID()}`,
		object: 'chat.completion',
		created: Math.floor(Date.now() / 1000),
		model: publicModel,
		choices: [
			{
				index: 0,
				message: { role: 'assistant', content: toolCalls.length && !text ? null : text, ...(toolCalls.length ? { tool_calls: toolCalls } : {}) },
				finish_reason: inferFinish(toolCalls.length > 0, usage, maxTokens),
				logprobs: null
			}
		],
		...(usage ? { usage: chatUsageOf(usage) } : {})
	};
	return { body: JSON.stringify(completion), usage, outputText: text + toolCalls.map((c) => c.function.name + c.function.arguments).join('') };
}

/** `response` is text, or — in JSON mode — already an object. */
function contentOf(response: unknown): string {
	if (typeof response === 'string') return response;
	if (response === undefined || response === null) return '';
	return JSON.stringify(response);
}

/** No finish reason on /ai/run (docs/providers/workers-ai.md, "Non-stream response"): tool calls, else the limit reached, else stop. */
export function inferFinish(hasToolCalls: boolean, usage: NormalizedUsage | undefined, maxTokens: number | undefined): FinishReason {
	if (hasToolCalls) return 'tool_calls';
	if (usage && maxTokens !== undefined && usage.output >= maxTokens) return 'length';
	return 'stop';
}

