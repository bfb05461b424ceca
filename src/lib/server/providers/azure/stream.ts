import type { ChatChunk } from '../../protocol/canonical';
import { isRecord } from '../../protocol/json';
import type { ChunkTranslator } from '../../protocol/types';
import { createSseTranslator } from '../kit/sse-translator';
import { usageFromOpenAI } from '../openai/usage';
import { errorMessageOf, parseJsonObject } from '../sse-reader';
import type { StreamOptions } from '../types';

/**
 * Azure's OpenAI-shaped SSE, cleaned up event by event (docs/providers/azure.md, "Streaming"): the leading
 * prompt-filter chunk (`choices: []`, no usage) and asynchronous-filter annotations (choices
 * without `delta`) are dropped, `model` becomes the public name, the usage chunk is read and
 * forwarded only when the client asked for it, and an error event is reported, not forwarded.
 * `content_filter` finish reasons and per-choice filter results pass through. Azure sends its
 * chunks in bursts (the filter buffers text), so parsing each one costs little.
 */
export function createAzureChunkTranslator({ publicModel, clientWantsUsage }: StreamOptions): ChunkTranslator {
	/** Choice indexes whose finish_reason went out: one finish per choice. */
	const finished = new Set<unknown>();
	return createSseTranslator((ctx) => ({
		event(data) {
			if (data === '[DONE]') {
				if (ctx.state === 'waiting') return ctx.refuse('The upstream ended the stream without an answer');
				return ctx.finish();
			}
			const chunk = parseJsonObject(data);
			if (!chunk) return ctx.refuse('The upstream sent an event that is not a JSON object');
			const failure = errorMessageOf(chunk);
			if (failure !== undefined) return ctx.refuse(failure);

			const hasUsage = isRecord(chunk.usage);
			if (hasUsage) ctx.setUsage(usageFromOpenAI(chunk.usage));
			const choices = Array.isArray(chunk.choices) ? keptChoices(chunk.choices, finished) : [];
			if (choices.length === 0) {
				// The usage chunk (choices: []), or a filter-only chunk / annotation with nothing for the client.
				if (hasUsage && clientWantsUsage && ctx.state !== 'waiting') ctx.emit(asChunk({ ...chunk, model: publicModel, choices: [] }));
				return;
			}
			ctx.commit();
			for (const choice of choices) tally(choice.delta, ctx.tally);
			const out: Record<string, unknown> = { ...chunk, model: publicModel, choices };
			// The client did not ask for usage: the `usage: null` Azure adds because we did goes too.
			if (!clientWantsUsage && out.usage === null) delete out.usage;
			ctx.emit(asChunk(out));
		}
	}));
}

/**
 * Azure's own chunk, passed on with its extra fields (filter results): it is OpenAI's chunk
 * shape, and what a door renderer reads of it (choices with a delta) was checked above.
 */
const asChunk = (chunk: Record<string, unknown>) => chunk as unknown as ChatChunk;

type DeltaChoice = Record<string, unknown> & { delta: Record<string, unknown> };

/**
 * The choices worth sending: those with a `delta`. An annotation without one is dropped,
 * unless it is how the asynchronous filter ends a choice (finish_reason "content_filter"):
 * that finish is kept with an empty delta. A second finish for the same choice is dropped.
 */
function keptChoices(choices: unknown[], finished: Set<unknown>): DeltaChoice[] {
	const kept: DeltaChoice[] = [];
	for (const choice of choices) {
		if (choice === null || typeof choice !== 'object') continue;
		const c = choice as Record<string, unknown>;
		const finish = typeof c.finish_reason === 'string' ? c.finish_reason : null;
		if (finished.has(c.index)) continue;
		if (finish !== null) finished.add(c.index);
		if (isRecord(c.delta)) kept.push({ ...c, delta: c.delta });
		else if (finish !== null) kept.push({ ...c, delta: {} });
	}
	return kept;
}

/** The text a delta adds (content, reasoning, refusal, tool names and arguments), for counting. */
function tally(delta: Record<string, unknown>, add: (piece: string) => void): void {
	for (const key of ['content', 'reasoning_content', 'refusal']) {
		const value = delta[key];
		if (typeof value === 'string') add(value);
	}
	if (!Array.isArray(delta.tool_calls)) return;
	for (const call of delta.tool_calls) {
		const fn = call !== null && typeof call === 'object' ? (call as Record<string, unknown>).function : undefined;
		if (fn === null || typeof fn !== 'object') continue;
		const { name, arguments: args } = fn as Record<string, unknown>;
		if (typeof name === 'string') add(name);
		if (typeof args === 'string') add(args);
	}
}
