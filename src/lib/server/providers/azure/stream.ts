import { SSE_DONE, sseData } from '../../protocol/canonical';
import { isRecord } from '../../protocol/json';
import { usageFromOpenAI } from '../openai/usage';
import { EVENT_TOO_LARGE } from '../sse-framing';
import { createSseReader, errorMessageOf, parseJsonObject, type SseItem } from '../sse-reader';
import { TextTally } from '../text-tally';
import type { NormalizedUsage, StreamOptions, StreamTranslator } from '../types';

/**
 * Azure's OpenAI-shaped SSE, cleaned up event by event (docs/providers/azure.md, "Streaming"): the leading
 * prompt-filter chunk (`choices: []`, no usage) and asynchronous-filter annotations (choices
 * without `delta`) are dropped, `model` becomes the public name, the usage chunk is read and
 * forwarded only when the client asked for it, and an error event is reported, not forwarded.
 * `content_filter` finish reasons and per-choice filter results pass through. Azure sends its
 * chunks in bursts (the filter buffers text), so parsing each one costs little.
 */
export function createAzureStreamTranslator({ publicModel, clientWantsUsage }: StreamOptions): StreamTranslator {
	const reader = createSseReader();
	const text = new TextTally();
	let state: StreamTranslator['state'] = 'waiting';
	let rejection: string | undefined;
	let error: string | undefined;
	let usage: NormalizedUsage | undefined;
	let sawDone = false;
	/** Choice indexes whose finish_reason went out: one finish per choice. */
	const finished = new Set<unknown>();

	function refuse(message: string): string {
		if (state === 'waiting') {
			state = 'rejected';
			rejection = message;
		} else error ??= message;
		return '';
	}

	function translate(item: SseItem): string {
		if (sawDone || state === 'rejected' || error !== undefined) return '';
		if (item.kind === 'too-large') return refuse(EVENT_TOO_LARGE);
		if (item.kind === 'comment') return `: ${item.text}\n\n`;
		if (item.data === '[DONE]') {
			if (state === 'waiting') return refuse('The upstream ended the stream without an answer');
			sawDone = true;
			return SSE_DONE;
		}
		const chunk = parseJsonObject(item.data);
		if (!chunk) return refuse('The upstream sent an event that is not a JSON object');
		const failure = errorMessageOf(chunk);
		if (failure !== undefined) return refuse(failure);

		const hasUsage = chunk.usage !== null && typeof chunk.usage === 'object';
		if (hasUsage) usage = usageFromOpenAI(chunk.usage);
		const choices = Array.isArray(chunk.choices) ? keptChoices(chunk.choices, finished) : [];
		if (choices.length === 0) {
			// The usage chunk (choices: []), or a filter-only chunk / annotation with nothing for the client.
			if (!hasUsage || !clientWantsUsage || state === 'waiting') return '';
			return sseData({ ...chunk, model: publicModel, choices: [] });
		}
		state = 'committed';
		for (const choice of choices) tally(choice.delta, text);
		const out: Record<string, unknown> = { ...chunk, model: publicModel, choices };
		// The client did not ask for usage: the `usage: null` Azure adds because we did goes too.
		if (!clientWantsUsage && out.usage === null) delete out.usage;
		return sseData(out);
	}

	const run = (items: SseItem[]) => items.map(translate).join('');

	return {
		get state() {
			return state;
		},
		push: (chunk) => run(reader.push(chunk)),
		end: () => run(reader.end()),
		rejection: () => rejection,
		done: () => sawDone,
		error: () => error,
		usage: () => usage,
		producedText: () => text.produced(),
		outputText: () => text.text()
	};
}

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
function tally(delta: Record<string, unknown>, text: TextTally): void {
	for (const key of ['content', 'reasoning_content', 'refusal']) {
		const value = delta[key];
		if (typeof value === 'string') text.add(value);
	}
	if (!Array.isArray(delta.tool_calls)) return;
	for (const call of delta.tool_calls) {
		const fn = call !== null && typeof call === 'object' ? (call as Record<string, unknown>).function : undefined;
		if (fn === null || typeof fn !== 'object') continue;
		const { name, arguments: args } = fn as Record<string, unknown>;
		if (typeof name === 'string') text.add(name);
		if (typeof args === 'string') text.add(args);
	}
}
