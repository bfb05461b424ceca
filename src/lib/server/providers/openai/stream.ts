import type { NormalizedUsage, StreamOptions, StreamTranslator } from '../types';
import { usageFromOpenAI } from './usage';

const encoder = new TextEncoder();
const decoder = new TextDecoder();
const bytes = (text: string) => Buffer.from(encoder.encode(text));

const LF2 = bytes('\n\n');
const CRLF2 = bytes('\r\n\r\n');
const USAGE_KEY = bytes('"usage":');
const DONE = bytes('data: [DONE]');
const ERROR_START = bytes('{"error"');
const EMPTY = new Uint8Array(0);
const OPEN_BRACE = 0x7b;
const SPACE = 0x20;

/** Raw events kept for counting tokens when no usage arrives; past this, text is estimated from size. */
const HELD_LIMIT = 1 << 20;

/**
 * OpenAI-style SSE passes through as bytes: no decoding, no parsing, no re-encoding of the
 * ordinary chunks (the design's "scan only for the usage-bearing tail"). Only complete events
 * are forwarded (a partial one waits for its end), and only three kinds are ever parsed: the
 * first (to commit, and to learn the upstream's model name), the one carrying usage, and an
 * error. When the upstream reports another model name, it is swapped byte-wise.
 */
export function createOpenAIStreamTranslator({ publicModel, clientWantsUsage }: StreamOptions): StreamTranslator {
	let state: StreamTranslator['state'] = 'waiting';
	let rejection: string | undefined;
	let tail: Buffer | undefined;
	let rename: { from: Buffer; to: Buffer } | undefined;
	let usage: NormalizedUsage | undefined;
	let error: string | undefined;
	let sawDone = false;
	let held: Buffer[] | undefined = [];
	let heldBytes = 0;
	let unheldBytes = 0;

	/** Handles the complete events in `part`; returns what goes to the client. */
	function pass(part: Buffer): Buffer {
		if (state === 'waiting') {
			const first = firstDataEvent(part);
			if (first === undefined) return part; // comments only so far
			const parsed = parseObject(first);
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
			} else unheldBytes += part.length;
		}
		return rename ? replaceAll(part, rename.from, rename.to) : part;
	}

	function takeUsage(part: Buffer, at: number): Buffer {
		const [start, end] = eventBounds(part, at);
		const event = parseObject(dataOf(part.subarray(start, end)));
		usage = usageFromOpenAI(event?.usage) ?? usage;
		held = undefined; // usage is known: nothing to count
		const usageOnly = Array.isArray(event?.choices) && event.choices.length === 0;
		return usageOnly && !clientWantsUsage ? Buffer.concat([part.subarray(0, start), part.subarray(end)]) : part;
	}

	function cutErrorEvents(part: Buffer): Buffer {
		const kept: Buffer[] = [];
		for (const [start, end] of eventsOf(part)) {
			const event = part.subarray(start, end);
			const data = dataOf(event);
			if (data.startsWith('{"error"')) error = errorMessageOf(parseObject(data)) ?? 'The upstream reported an error in the stream';
			else kept.push(event);
		}
		return Buffer.concat(kept);
	}

	return {
		get state() {
			return state;
		},
		push(chunk) {
			const buf = tail ? Buffer.concat([tail, chunk]) : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
			const end = completeEventsEnd(buf);
			if (end < 0) {
				tail = buf;
				return EMPTY;
			}
			const whole = end === buf.length;
			tail = whole ? undefined : Buffer.from(buf.subarray(end));
			const part = whole ? buf : buf.subarray(0, end);
			const out = pass(part);
			// Unchanged bytes go back as the very chunk we were given.
			return out === part && whole && buf.length === chunk.length && buf.buffer === chunk.buffer ? chunk : out;
		},
		end() {
			const rest = tail;
			tail = undefined;
			// An upstream that closes without the blank line after its last event: pass it on whole.
			return rest && rest.length ? pass(Buffer.concat([rest, LF2])) : EMPTY;
		},
		rejection: () => rejection,
		done: () => sawDone,
		error: () => error,
		usage: () => usage,
		outputText() {
			const parts: string[] = [];
			for (const part of held ?? []) for (const [start, end] of eventsOf(part)) parts.push(deltaText(dataOf(part.subarray(start, end))));
			// Beyond the held limit, assume the usual ~4 bytes of event per character of text.
			if (unheldBytes > 0) parts.push('x'.repeat(Math.floor(unheldBytes / 4)));
			return parts.join('');
		}
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

/** Index just past the last complete event ("\n\n" or "\r\n\r\n"), or -1. */
function completeEventsEnd(buf: Buffer): number {
	const n = buf.length;
	// The usual case: the chunk ends exactly at an event boundary.
	if (buf[n - 1] === 0x0a && buf[n - 2] === 0x0a) return n;
	if (buf[n - 1] === 0x0a && buf[n - 2] === 0x0d && buf[n - 3] === 0x0a && buf[n - 4] === 0x0d) return n;
	const lf = buf.lastIndexOf(LF2);
	const crlf = buf.lastIndexOf(CRLF2);
	return Math.max(lf < 0 ? -1 : lf + 2, crlf < 0 ? -1 : crlf + 4);
}

/** [start, end) of each event in a buffer of complete events. */
function* eventsOf(part: Buffer): Generator<[number, number]> {
	let start = 0;
	while (start < part.length) {
		const [, end] = eventBounds(part, start);
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

function parseObject(data: string): Record<string, unknown> | undefined {
	try {
		const value: unknown = JSON.parse(data);
		return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
	} catch {
		return undefined;
	}
}

function errorMessageOf(parsed: Record<string, unknown> | undefined): string | undefined {
	const error = parsed?.error;
	if (typeof error === 'string') return error;
	const message = error !== null && typeof error === 'object' ? (error as Record<string, unknown>).message : undefined;
	return typeof message === 'string' ? message : undefined;
}

/** The text a chunk adds: chat deltas (content, reasoning, tool arguments) or legacy `text`. */
function deltaText(data: string): string {
	const choices = parseObject(data)?.choices;
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
