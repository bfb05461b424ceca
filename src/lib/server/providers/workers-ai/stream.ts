import type { ChatChunk, ChunkDelta, FinishReason } from '../../protocol/canonical';
import { ChatSseTranslator } from '../../protocol/chat-sse';
import type { ChunkTranslator, StreamTranslator } from '../../protocol/types';
import { createSseTranslator } from '../kit/sse-translator';
import { errorMessageOf, parseJsonObject } from '../sse-reader';
import type { StreamOptions } from '../types';
import { chatUsageOf } from '../usage';
import { envelopeMessage } from './errors';
import { inferFinish } from './response';
import { newCallId, readToolCall, type WorkersToolCall } from './tool-calls';
import { workersUsage } from './usage';

/** StreamOptions plus the request's max_tokens, to infer "length" (the interface has no field for it yet). */
export interface WorkersStreamOptions extends StreamOptions {
	maxTokens?: number;
}

/**
 * Workers AI streams in two shapes, told apart per event because the interface does not say
 * which endpoint was called (docs/providers/workers-ai.md, "Auth and endpoints", "Non-stream response"):
 * - OpenAI chunks (`choices`), from /ai/v1 and from newer models on /ai/run: passed on with
 *   the public model name, `role` only in the first delta, the usage chunk only when asked,
 *   and a finish chunk added if the upstream never sent one;
 * - native events `{"response":"…","p":"…"}` … `{"response":"","usage":{…}}` then [DONE]:
 *   converted to OpenAI chunks (role first, content deltas, tool calls, one inferred finish,
 *   usage when asked, [DONE]). `p` is padding and is ignored; empty fragments are dropped.
 * An error event (Cloudflare's `errors` or OpenAI's `error`) is reported, not forwarded.
 */
export function createWorkersAiChunkTranslator({ publicModel, clientWantsUsage, maxTokens }: WorkersStreamOptions): ChunkTranslator {
	const id = `chatcmpl-${crypto.randomUUID()}`;
	const created = Math.floor(Date.now() / 1000);
	let roleSent = false;
	let finished = false;
	/** Upstream call key (index or id) → our index; calls without either are always new. */
	const calls = new Map<string, number>();
	let callCount = 0;
	/** The id/created the client sees: the upstream's first chunk's for OpenAI chunks, else ours. */
	let ids: { id: unknown; created: unknown } = { id, created };

	return createSseTranslator((ctx) => {
		const chunk = (delta: ChunkDelta, finish: FinishReason | null = null): void => {
			const c: ChatChunk = { id, object: 'chat.completion.chunk', created, model: publicModel, choices: [{ index: 0, delta, finish_reason: finish }] };
			ctx.emit(asChunk({ ...c, ...ids }));
		};

		function commit(): void {
			ctx.commit();
			if (roleSent) return;
			roleSent = true;
			chunk({ role: 'assistant', content: '' });
		}

		/** The finish chunk (if none went out), the usage chunk when asked, then the end. */
		function close(): void {
			if (!finished) {
				finished = true;
				chunk({}, inferFinish(callCount > 0, ctx.usage, maxTokens));
			}
			const usage = ctx.usage;
			if (clientWantsUsage && usage) ctx.emit(asChunk({ ...ids, object: 'chat.completion.chunk', model: publicModel, choices: [], usage: chatUsageOf(usage) }));
			ctx.finish();
		}

		function openaiChunk(event: Record<string, unknown>, choices: unknown[]): void {
			if (ctx.state === 'waiting') ids = { id: event.id ?? id, created: event.created ?? created };
			const kept: Array<Record<string, unknown>> = [];
			for (const choice of choices) {
				if (choice === null || typeof choice !== 'object') continue;
				const c = { ...(choice as Record<string, unknown>) };
				const delta = c.delta !== null && typeof c.delta === 'object' ? { ...(c.delta as Record<string, unknown>) } : {};
				// Some models repeat the role in every delta.
				if (roleSent) delete delta.role;
				else if (delta.role !== undefined) roleSent = true;
				for (const key of ['content', 'reasoning_content']) if (typeof delta[key] === 'string') ctx.tally(delta[key]);
				if (Array.isArray(delta.tool_calls)) {
					callCount += delta.tool_calls.length;
					for (const call of delta.tool_calls) ctx.tally(readToolCall(call)?.arguments ?? '');
				}
				if (typeof c.finish_reason === 'string') {
					if (finished) continue;
					finished = true;
				}
				kept.push({ ...c, delta });
			}
			if (kept.length === 0) return;
			if (!roleSent) commit(); // a model that never sends the role still gets the role chunk first
			ctx.commit();
			const forward: Record<string, unknown> = { ...event, ...ids, model: publicModel, choices: kept };
			if (forward.usage === null || !clientWantsUsage) delete forward.usage;
			ctx.emit(asChunk(forward));
		}

		function nativeEvent(event: Record<string, unknown>): void {
			commit();
			if (typeof event.response === 'string' && event.response) {
				ctx.tally(event.response);
				chunk({ content: event.response });
			}
			if (Array.isArray(event.tool_calls)) {
				for (const item of event.tool_calls) {
					const call = readToolCall(item);
					if (call) toolCallChunks(call);
				}
			}
		}

		function toolCallChunks(call: WorkersToolCall): void {
			const key = call.index !== undefined ? `i${call.index}` : call.id !== undefined ? `d${call.id}` : undefined;
			const known = key !== undefined ? calls.get(key) : undefined;
			let index = known;
			if (index === undefined) {
				index = callCount++;
				if (key !== undefined) calls.set(key, index);
				chunk({ tool_calls: [{ index, id: call.id ?? newCallId(), type: 'function', function: { name: call.name ?? '', arguments: '' } }] });
				ctx.tally(call.name ?? '');
			}
			// A whole call from an older model has no fragments to follow: its arguments come now, never "".
			const args = known === undefined && call.index === undefined ? call.arguments || '{}' : call.arguments;
			if (args) {
				ctx.tally(args);
				chunk({ tool_calls: [{ index, function: { arguments: args } }] });
			}
		}

		return {
			event(data) {
				if (data === '[DONE]') return ctx.state === 'waiting' ? ctx.refuse('The upstream ended the stream without an answer') : close();
				const event = parseJsonObject(data);
				if (!event) return ctx.refuse('The upstream sent an event that is not a JSON object');
				const failure = errorMessageOf(event) ?? envelopeMessage(event) ?? (event.success === false ? 'The upstream reported a failure' : undefined);
				if (failure !== undefined) return ctx.refuse(failure);
				if (event.usage !== null && typeof event.usage === 'object') ctx.setUsage(workersUsage(event.usage) ?? ctx.usage);
				if (Array.isArray(event.choices)) {
					// An empty list is the usage chunk: it goes out with the close, after the finish.
					if (event.choices.length > 0) openaiChunk(event, event.choices);
					return;
				}
				nativeEvent(event);
			}
		};
	});
}

/**
 * A chunk as the client sees it: OpenAI's shape, with the upstream's own id and created (and
 * any extra fields of an OpenAI-shaped upstream chunk) kept as they came.
 */
const asChunk = (chunk: Record<string, unknown>) => chunk as unknown as ChatChunk;

/** The chat door's stream: the chunks as OpenAI chat SSE. */
export function createWorkersAiStreamTranslator(options: WorkersStreamOptions): StreamTranslator {
	return new ChatSseTranslator(createWorkersAiChunkTranslator(options));
}
