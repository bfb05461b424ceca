import { randomUUID } from 'node:crypto';
import type { ChatChunk, ChunkDelta, FinishReason } from '../../protocol/canonical';
import { ChatSseTranslator } from '../../protocol/chat-sse';
import type { ChunkTranslator, StreamTranslator } from '../../protocol/types';
import { createSseTranslator } from '../kit/sse-translator';
import type { StreamOptions } from '../types';
import { chatUsageOf } from '../usage';
import { blockReasonOf, callIdFactory, mapFinishReason, readParts, toolCallOf } from './candidates';
import { arrayOr, isObject, numberOr, objectOr, stringOr, type Json } from './json';
import { usageFromGemini } from './usage';

/**
 * Gemini's `streamGenerateContent?alt=sse` → OpenAI chat chunks (docs/providers/gemini.md, "Streaming"; docs/protocol.md, "Chunk").
 *
 * Each upstream event is a whole `GenerateContentResponse` with only the new parts. The first
 * event commits the stream (an error or unreadable first event rejects it). Calls arrive
 * whole: each gets a head fragment (id, name, arguments "") and one arguments fragment, under
 * an index counted across the whole stream. Gemini sends no end marker and may send events
 * after the finishReason (trailing usage), so the finish chunk, the usage chunk and [DONE] go
 * out when the upstream body ends; a stream that ends without any finishReason is left
 * not-done, which the relay reports as cut short.
 */
export function createGeminiChunkTranslator({ publicModel, clientWantsUsage }: StreamOptions): ChunkTranslator {
	let id = '';
	let created = 0;
	let nextCallId: (n: number) => string = () => '';
	let callsSoFar = 0;
	const choices = new Map<number, { calls: number; producedText: boolean; finish?: FinishReason }>();

	return createSseTranslator((ctx) => {
		function emit(index: number, delta: ChunkDelta, finish: FinishReason | null = null): void {
			ctx.emit({ id, object: 'chat.completion.chunk', created, model: publicModel, choices: [{ index, delta, finish_reason: finish, logprobs: null }] });
		}

		/** The choice's state; its first chunk (the role chunk) goes out when it is first seen. */
		function choice(index: number) {
			let c = choices.get(index);
			if (!c) {
				choices.set(index, (c = { calls: 0, producedText: false }));
				emit(index, { role: 'assistant', content: '' });
			}
			return c;
		}

		function commit(first: Json): void {
			ctx.commit();
			const responseId = typeof first.responseId === 'string' && first.responseId ? first.responseId : undefined;
			id = responseId ?? `chatcmpl-${randomUUID()}`;
			created = Math.floor(Date.now() / 1000);
			nextCallId = callIdFactory(responseId);
			choice(0);
		}

		function candidateEvent(index: number, candidate: Json): void {
			const c = choice(index);
			if (c.finish) return; // anything after the finish (empty text) is dropped
			for (const part of readParts(candidate.content)) {
				if (part.kind === 'call') {
					const call = toolCallOf(part, nextCallId(callsSoFar++));
					const k = c.calls++;
					emit(index, { tool_calls: [{ index: k, id: call.id, type: 'function', function: { name: call.function.name, arguments: '' }, ...(call.extra_content ? { extra_content: call.extra_content } : {}) }] });
					emit(index, { tool_calls: [{ index: k, function: { arguments: call.function.arguments } }] });
					ctx.tally(call.function.name);
					ctx.tally(call.function.arguments);
				} else {
					emit(index, part.kind === 'text' ? { content: part.text } : { reasoning_content: part.text });
					if (part.kind === 'text') c.producedText = true;
					ctx.tally(part.text);
				}
			}
			const reason = candidate.finishReason;
			if (typeof reason === 'string' && reason && reason !== 'FINISH_REASON_UNSPECIFIED') {
				const finish = mapFinishReason(reason, c.calls > 0, c.producedText, stringOr(candidate.finishMessage) || undefined);
				if (typeof finish === 'object') ctx.refuse(finish.message);
				else c.finish = finish;
			}
		}

		return {
			// Gemini sends no comments; none is passed on.
			dropComments: true,
			event(data) {
				let value: unknown;
				try {
					value = JSON.parse(data);
				} catch {
					return ctx.refuse('The upstream sent an event that is not JSON');
				}
				if (Array.isArray(value) && value.length === 1) value = value[0];
				if (!isObject(value)) return ctx.refuse('The upstream sent an unexpected event');
				if ('error' in value) return ctx.refuse(errorMessage(value.error));
				if (ctx.state === 'waiting') commit(value);
				if (value.usageMetadata !== undefined) ctx.setUsage(usageFromGemini(value.usageMetadata) ?? ctx.usage);
				const candidates = arrayOr(value.candidates).filter(isObject);
				if (candidates.length === 0 && blockReasonOf(value) !== undefined) {
					choice(0).finish ??= 'content_filter';
					return;
				}
				for (const [i, candidate] of candidates.entries()) {
					const index = numberOr(candidate.index) ?? i;
					candidateEvent(index, candidate);
					if (ctx.closed) return;
				}
			},
			// No end marker: the finish chunks, the usage chunk and the end go out when the body ends.
			end() {
				if (ctx.state !== 'committed') return;
				const finished = [...choices.entries()].sort(([a], [b]) => a - b);
				if (!finished.some(([, c]) => c.finish)) return; // cut short: no finishReason ever came
				for (const [index, c] of finished) emit(index, {}, c.finish ?? 'stop');
				const usage = ctx.usage;
				if (clientWantsUsage && usage) {
					ctx.emit({ id, object: 'chat.completion.chunk', created, model: publicModel, choices: [], usage: chatUsageOf(usage) } satisfies ChatChunk);
				}
				ctx.finish();
			}
		};
	});
}

/** The chat door's stream: the chunks as OpenAI chat SSE. */
export function createGeminiStreamTranslator(options: StreamOptions): StreamTranslator {
	return new ChatSseTranslator(createGeminiChunkTranslator(options));
}

/** `{"error":{"code":503,"message":"…","status":"UNAVAILABLE"}}` → its message. */
function errorMessage(error: unknown): string {
	const e = objectOr(error);
	const message = stringOr(e.message) || stringOr(e.status) || (typeof error === 'string' ? error : '');
	return message || 'The upstream reported an error in the stream';
}
