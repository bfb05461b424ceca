import { SSE_DONE, sseData, type ChatChunk, type ChunkDelta, type FinishReason } from '../../protocol/canonical';
import { EVENT_TOO_LARGE } from '../sse-framing';
import { createSseReader, errorMessageOf, parseJsonObject, type SseItem } from '../sse-reader';
import { TextTally } from '../text-tally';
import type { NormalizedUsage, StreamOptions, StreamTranslator } from '../types';
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
export function createWorkersAiStreamTranslator({ publicModel, clientWantsUsage, maxTokens }: WorkersStreamOptions): StreamTranslator {
	const reader = createSseReader();
	const text = new TextTally();
	const id = `chatcmpl-${crypto.randomUUID()}`;
	const created = Math.floor(Date.now() / 1000);
	let state: StreamTranslator['state'] = 'waiting';
	let rejection: string | undefined;
	let error: string | undefined;
	let usage: NormalizedUsage | undefined;
	let sawDone = false;
	let roleSent = false;
	let finished = false;
	/** Upstream call key (index or id) → our index; calls without either are always new. */
	const calls = new Map<string, number>();
	let callCount = 0;
	/** The id/created the client sees: the upstream's first chunk's for OpenAI chunks, else ours. */
	let ids: { id: unknown; created: unknown } = { id, created };

	const chunk = (delta: ChunkDelta, finish: FinishReason | null = null): string => {
		const c: ChatChunk = { id, object: 'chat.completion.chunk', created, model: publicModel, choices: [{ index: 0, delta, finish_reason: finish }] };
		return sseData({ ...c, ...ids });
	};

	function refuse(message: string): string {
		if (state === 'waiting') {
			state = 'rejected';
			rejection = message;
		} else error ??= message;
		return '';
	}

	function commit(): string {
		state = 'committed';
		if (roleSent) return '';
		roleSent = true;
		return chunk({ role: 'assistant', content: '' });
	}

	/** The finish chunk (if none went out), the usage chunk when asked, then [DONE]. */
	function close(): string {
		let out = '';
		if (!finished) {
			finished = true;
			out += chunk({}, inferFinish(callCount > 0, usage, maxTokens));
		}
		if (clientWantsUsage && usage) out += sseData({ ...ids, object: 'chat.completion.chunk', model: publicModel, choices: [], usage: chatUsageOf(usage) });
		sawDone = true;
		return out + SSE_DONE;
	}

	function openaiChunk(event: Record<string, unknown>, choices: unknown[]): string {
		if (state === 'waiting') ids = { id: event.id ?? id, created: event.created ?? created };
		const kept: Array<Record<string, unknown>> = [];
		for (const choice of choices) {
			if (choice === null || typeof choice !== 'object') continue;
			const c = { ...(choice as Record<string, unknown>) };
			const delta = c.delta !== null && typeof c.delta === 'object' ? { ...(c.delta as Record<string, unknown>) } : {};
			// Some models repeat the role in every delta.
			if (roleSent) delete delta.role;
			else if (delta.role !== undefined) roleSent = true;
			for (const key of ['content', 'reasoning_content']) if (typeof delta[key] === 'string') text.add(delta[key]);
			if (Array.isArray(delta.tool_calls)) {
				callCount += delta.tool_calls.length;
				for (const call of delta.tool_calls) text.add(readToolCall(call)?.arguments ?? '');
			}
			if (typeof c.finish_reason === 'string') {
				if (finished) continue;
				finished = true;
			}
			kept.push({ ...c, delta });
		}
		if (kept.length === 0) return '';
		let out = '';
		if (!roleSent) out += commit(); // a model that never sends the role still gets the role chunk first
		state = 'committed';
		const forward: Record<string, unknown> = { ...event, ...ids, model: publicModel, choices: kept };
		if (forward.usage === null || !clientWantsUsage) delete forward.usage;
		return out + sseData(forward);
	}

	function nativeEvent(event: Record<string, unknown>): string {
		let out = commit();
		if (typeof event.response === 'string' && event.response) {
			text.add(event.response);
			out += chunk({ content: event.response });
		}
		if (Array.isArray(event.tool_calls)) {
			for (const item of event.tool_calls) {
				const call = readToolCall(item);
				if (call) out += toolCallChunks(call);
			}
		}
		return out;
	}

	function toolCallChunks(call: WorkersToolCall): string {
		const key = call.index !== undefined ? `i${call.index}` : call.id !== undefined ? `d${call.id}` : undefined;
		const known = key !== undefined ? calls.get(key) : undefined;
		let out = '';
		let index = known;
		if (index === undefined) {
			index = callCount++;
			if (key !== undefined) calls.set(key, index);
			out += chunk({ tool_calls: [{ index, id: call.id ?? newCallId(), type: 'function', function: { name: call.name ?? '', arguments: '' } }] });
			text.add(call.name ?? '');
		}
		// A whole call from an older model has no fragments to follow: its arguments come now, never "".
		const args = known === undefined && call.index === undefined ? call.arguments || '{}' : call.arguments;
		if (args) {
			text.add(args);
			out += chunk({ tool_calls: [{ index, function: { arguments: args } }] });
		}
		return out;
	}

	function translate(item: SseItem): string {
		if (sawDone || state === 'rejected' || error !== undefined) return '';
		if (item.kind === 'too-large') return refuse(EVENT_TOO_LARGE);
		if (item.kind === 'comment') return `: ${item.text}\n\n`;
		if (item.data === '[DONE]') return state === 'waiting' ? refuse('The upstream ended the stream without an answer') : close();
		const event = parseJsonObject(item.data);
		if (!event) return refuse('The upstream sent an event that is not a JSON object');
		const failure = errorMessageOf(event) ?? envelopeMessage(event) ?? (event.success === false ? 'The upstream reported a failure' : undefined);
		if (failure !== undefined) return refuse(failure);
		if (event.usage !== null && typeof event.usage === 'object') usage = workersUsage(event.usage) ?? usage;
		if (Array.isArray(event.choices)) {
			if (event.choices.length > 0) return openaiChunk(event, event.choices);
			// The usage chunk: it goes out with the close, after the finish.
			return '';
		}
		return nativeEvent(event);
	}

	const run = (items: SseItem[]) => items.map(translate).join('');

	return {
		get state() {
			return state;
		},
		push: (bytes) => run(reader.push(bytes)),
		end: () => run(reader.end()),
		rejection: () => rejection,
		done: () => sawDone,
		error: () => error,
		usage: () => usage,
		producedText: () => text.produced(),
		outputText: () => text.text()
	};
}
