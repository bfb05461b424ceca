import { parseJsonObject } from '../../protocol/json';
import { EVENT_TOO_LARGE, EventSplitter } from '../sse-framing';
import { TextTally } from '../text-tally';
import type { NormalizedUsage, ProducedText, StreamOptions, StreamTranslator } from '../types';
import { usageFromOpenAI } from './usage';

const encoder = new TextEncoder();
const decoder = new TextDecoder();
const bytes = (text: string) => Buffer.from(encoder.encode(text));

const LF2 = bytes('\n\n');
const CRLF2 = bytes('\r\n\r\n');
const BLANK_LINES = ['\n\n', '\r\n\r\n'];
const USAGE_KEY = bytes('"usage":');
const DONE = bytes('data: [DONE]');
const ERROR_START = bytes('{"error"');
const EMPTY = new Uint8Array(0);
const OPEN_BRACE = 0x7b;
const SPACE = 0x20;

/** Raw events kept for counting tokens when no usage arrives; past this, only their size is kept. */
const HELD_LIMIT = 1 << 20;
/**
 * Events measured (their text's share of their size) before the rest is estimated from size
 * alone: when the held events are fewer, the next ones are read for their text until there are
 * this many, so that one huge event after a few small ones is not estimated from the small ones.
 */
const MIN_SAMPLE = 64 * 1024;

/**
 * OpenAI-style SSE passes through as bytes: no decoding, no parsing, no re-encoding of the
 * ordinary chunks (the design's "scan only for the usage-bearing tail"). Only complete events
 * are forwarded (a partial one waits for its end), and only three kinds are ever parsed: the
 * first (to commit, and to learn the upstream's model name), the one carrying usage, and an
 * error. When the upstream reports another model name, it is swapped byte-wise.
 */
export function createOpenAIStreamTranslator({ publicModel, clientWantsUsage }: StreamOptions, readUsage = usageFromOpenAI): StreamTranslator {
	let state: StreamTranslator['state'] = 'waiting';
	let rejection: string | undefined;
	const events = new EventSplitter(BLANK_LINES);
	let rename: { from: Buffer; to: Buffer } | undefined;
	let usage: NormalizedUsage | undefined;
	let error: string | undefined;
	let sawDone = false;
	let held: Buffer[] | undefined = [];
	let heldBytes = 0;
	let sampledBytes = 0;
	let sampledTextBytes = 0;
	let unheldBytes = 0;

	/** Handles the complete events in `part`; returns what goes to the client. */
	function pass(part: Buffer): Buffer {
		if (state === 'waiting') {
			const first = firstDataEvent(part);
			if (first === undefined) return part; // comments only so far
			const parsed = parseJsonObject(first);
			if (!parsed || 'error' in parsed) {
				state = 'rejected';
				rejection = errorMessageOf(parsed) ?? 'The upstream sent something other than a chunk';
				return Buffer.alloc(0);
			}
			state = 'committed';
			if (typeof parsed.model === 'string' && parsed.model !== publicModel) {
				rename = { from: bytes(`"model":${JSON.stringify(parsed.model)}`), to: bytes(`"model":${JSON.stringify(publicModel)}`) };
			}
		}
		if (!sawDone && endsWithDone(part)) sawDone = true;
		if (part.indexOf(ERROR_START) >= 0) part = cutErrorEvents(part);
		const usageAt = usageObjectAt(part);
		if (usageAt >= 0) part = takeUsage(part, usageAt);
		else if (held) {
			if (heldBytes + part.length <= HELD_LIMIT) {
				held.push(part);
				heldBytes += part.length;
			} else if (heldBytes + sampledBytes < MIN_SAMPLE) {
				sampledBytes += part.length;
				for (const [start, end] of eventsOf(part)) sampledTextBytes += Buffer.byteLength(deltaText(dataOf(part.subarray(start, end))), 'utf8');
			} else unheldBytes += part.length;
		}
		return rename ? replaceAll(part, rename.from, rename.to) : part;
	}

	function takeUsage(part: Buffer, at: number): Buffer {
		const [start, end] = eventBounds(part, at);
		const event = parseJsonObject(dataOf(part.subarray(start, end)));
		usage = readUsage(event?.usage) ?? usage;
		held = undefined; // usage is known: nothing to count
		const usageOnly = Array.isArray(event?.choices) && event.choices.length === 0;
		return usageOnly && !clientWantsUsage ? Buffer.concat([part.subarray(0, start), part.subarray(end)]) : part;
	}

	function cutErrorEvents(part: Buffer): Buffer {
		const kept: Buffer[] = [];
		for (const [start, end] of eventsOf(part)) {
			const event = part.subarray(start, end);
			const data = dataOf(event);
			if (data.startsWith('{"error"')) error = errorMessageOf(parseJsonObject(data)) ?? 'The upstream reported an error in the stream';
			else kept.push(event);
		}
		return Buffer.concat(kept);
	}

	/** An unfinished event outgrew the cap: refused before the commit, an in-band error after it. */
	function tooLarge(): void {
		if (state === 'waiting') {
			state = 'rejected';
			rejection = EVENT_TOO_LARGE;
		} else error ??= EVENT_TOO_LARGE;
	}

	function producedText(): ProducedText {
		const tally = new TextTally();
		for (const part of held ?? []) for (const [start, end] of eventsOf(part)) tally.add(deltaText(dataOf(part.subarray(start, end))));
		const { text, beyondBytes } = tally.produced();
		if (!held) return { text, beyondBytes };
		// Of the events neither held nor sampled only the size is known: their text is taken to
		// be the same share of it as in the events that were read.
		const measured = heldBytes + sampledBytes;
		const share = measured > 0 ? (Buffer.byteLength(text, 'utf8') + beyondBytes + sampledTextBytes) / measured : 0;
		return { text, beyondBytes: beyondBytes + sampledTextBytes + Math.round(unheldBytes * share) };
	}

	return {
		get state() {
			return state;
		},
		push(chunk) {
			const part = events.push(chunk);
			const out = part ? pass(part) : EMPTY;
			if (events.tooLarge) tooLarge();
			// Unchanged bytes go back as the very chunk we were given.
			return out === part && part.byteLength === chunk.byteLength && part.buffer === chunk.buffer && part.byteOffset === chunk.byteOffset ? chunk : out;
		},
		end() {
			const rest = events.end();
			// An upstream that closes without the blank line after its last event: pass it on whole.
			return rest ? pass(Buffer.concat([rest, LF2])) : EMPTY;
		},
		rejection: () => rejection,
		done: () => sawDone,
		error: () => error,
		usage: () => usage,
		producedText,
		outputText: () => producedText().text
	};
}

/**
 * [DONE] is the last event, so once events are cut at their boundaries it can only sit at
 * the end of a part: comparing the tail is enough (this runs for every chunk).
 */
function endsWithDone(part: Buffer): boolean {
	const n = part.length;
	const end = part[n - 2] === 0x0d ? n - 4 : n - 2; // before "\n\n" or "\r\n\r\n"
	return end >= DONE.length && part.compare(DONE, 0, DONE.length, end - DONE.length, end) === 0;
}

/**
 * [start, end) of each event in a buffer of complete events. Each boundary search starts where
 * the last one left off, so the work is linear in the buffer's size.
 */
function* eventsOf(part: Buffer): Generator<[number, number]> {
	const n = part.length;
	let lf = -2; // next "\n\n" at or after `start`, -1 when there is none (-2: not searched yet)
	let crlf = -2;
	for (let start = 0; start < n; ) {
		if (lf !== -1 && lf < start) lf = part.indexOf(LF2, start);
		if (crlf !== -1 && crlf < start) crlf = part.indexOf(CRLF2, start);
		const end = Math.min(lf < 0 ? n : lf + 2, crlf < 0 ? n : crlf + 4);
		yield [start, end];
		start = end;
	}
}

/** The event around position `at`: from after the previous blank line to after the next one. */
function eventBounds(part: Buffer, at: number): [number, number] {
	const lf = part.lastIndexOf(LF2, at - 1);
	const crlf = part.lastIndexOf(CRLF2, at - 1);
	const start = Math.max(0, lf < 0 ? 0 : lf + 2, crlf < 0 ? 0 : crlf + 4);
	const next = part.indexOf(LF2, at);
	const nextCrlf = part.indexOf(CRLF2, at);
	const ends = [next < 0 ? part.length : next + 2, nextCrlf < 0 ? part.length : nextCrlf + 4];
	return [start, Math.min(...ends)];
}

/** Where `"usage":{` starts (an actual usage object, not `"usage":null`), or -1. */
function usageObjectAt(part: Buffer): number {
	for (let at = part.indexOf(USAGE_KEY); at >= 0; at = part.indexOf(USAGE_KEY, at + 1)) {
		let i = at + USAGE_KEY.length;
		while (part[i] === SPACE) i++;
		if (part[i] === OPEN_BRACE) return at;
	}
	return -1;
}

/** The payload of an event's data line(s), as text. */
function dataOf(event: Buffer): string {
	const lines = decoder.decode(event).split(/\r?\n/);
	return lines
		.filter((l) => l.startsWith('data:'))
		.map((l) => (l.startsWith('data: ') ? l.slice(6) : l.slice(5)))
		.join('\n');
}

/** The first event that carries data, if the buffer has one. */
function firstDataEvent(part: Buffer): string | undefined {
	for (const [start, end] of eventsOf(part)) {
		const data = dataOf(part.subarray(start, end));
		if (data) return data;
	}
	return undefined;
}

function replaceAll(part: Buffer, from: Buffer, to: Buffer): Buffer {
	let at = part.indexOf(from);
	if (at < 0) return part;
	const pieces: Buffer[] = [];
	let last = 0;
	while (at >= 0) {
		pieces.push(part.subarray(last, at), to);
		last = at + from.length;
		at = part.indexOf(from, last);
	}
	pieces.push(part.subarray(last));
	return Buffer.concat(pieces);
}

function errorMessageOf(parsed: Record<string, unknown> | undefined): string | undefined {
	const error = parsed?.error;
	if (typeof error === 'string') return error;
	const message = error !== null && typeof error === 'object' ? (error as Record<string, unknown>).message : undefined;
	return typeof message === 'string' ? message : undefined;
}

/** The text a chunk adds: chat deltas (content, reasoning, tool arguments) or legacy `text`. */
function deltaText(data: string): string {
	const choices = parseJsonObject(data)?.choices;
	if (!Array.isArray(choices)) return '';
	let text = '';
	for (const choice of choices) {
		if (choice === null || typeof choice !== 'object') continue;
		const c = choice as Record<string, unknown>;
		if (typeof c.text === 'string') text += c.text;
		const delta = c.delta;
		if (delta === null || typeof delta !== 'object') continue;
		const d = delta as Record<string, unknown>;
		for (const key of ['content', 'reasoning_content', 'refusal']) if (typeof d[key] === 'string') text += d[key];
		if (Array.isArray(d.tool_calls)) {
			for (const call of d.tool_calls) {
				const fn = call !== null && typeof call === 'object' ? (call as Record<string, unknown>).function : undefined;
				if (fn !== null && typeof fn === 'object') {
					const f = fn as Record<string, unknown>;
					if (typeof f.name === 'string') text += f.name;
					if (typeof f.arguments === 'string') text += f.arguments;
				}
			}
		}
	}
	return text;
}
