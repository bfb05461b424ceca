import { createParser, type EventSourceParser, type ParserCallbacks } from 'eventsource-parser';

/**
 * The most of one unfinished SSE event a translator holds while waiting for its end: 8 MiB of
 * bytes, or 8 Mi characters once decoded (README, "Failover, health and limits"). Real events
 * are far smaller (a chunk is a few hundred bytes; a whole Gemini candidate with an inline
 * image a few MiB). Past it the stream fails, as a failed attempt before the commit and with
 * an in-band error after it, instead of the event growing for as long as the upstream sends.
 */
export const MAX_EVENT_BYTES = 8 * 1024 * 1024;

export const EVENT_TOO_LARGE = `The upstream sent an SSE event larger than ${MAX_EVENT_BYTES / (1024 * 1024)} MiB`;

export interface BoundedParser {
	/** Feeds decoded text; does nothing once an event has outgrown the cap. */
	feed(text: string): void;
	reset(options?: { consume?: boolean }): void;
}

/**
 * eventsource-parser (whose buffering is linear: it keeps a partial line's fragments and
 * joins them once) with MAX_EVENT_BYTES as its buffer limit. When an event outgrows it,
 * `onTooLarge` is called once and nothing more is parsed.
 */
export function createBoundedParser(callbacks: Omit<ParserCallbacks, 'onError'> & { onTooLarge(): void }): BoundedParser {
	let tooLarge = false;
	const parser: EventSourceParser = createParser({
		...callbacks,
		maxBufferSize: MAX_EVENT_BYTES,
		onError(err) {
			if (err.type !== 'max-buffer-size-exceeded' || tooLarge) return;
			tooLarge = true;
			callbacks.onTooLarge();
		}
	});
	return {
		feed(text) {
			if (!tooLarge) parser.feed(text);
		},
		reset(options) {
			if (!tooLarge) parser.reset(options);
		}
	};
}

/**
 * Splits SSE bytes into runs of complete events without decoding them, for translators that
 * pass events through as bytes. A partial event's chunks are kept in a list and joined once
 * its end arrives; each chunk is searched for a boundary once (plus the few bytes where it
 * meets the held ones), so the work is linear however the upstream cuts its events.
 */
export class EventSplitter {
	#held: Buffer[] = [];
	#heldBytes = 0;
	#tooLarge = false;
	readonly #delimiters: readonly Buffer[];
	readonly #longest: number;

	/** `delimiters`: the blank lines that end an event ("\n\n", "\r\n\r\n", and "\r\r" where CR framing is read). */
	constructor(
		delimiters: readonly string[],
		private readonly maxEventBytes = MAX_EVENT_BYTES
	) {
		this.#delimiters = delimiters.map((d) => Buffer.from(d, 'latin1'));
		this.#longest = Math.max(...delimiters.map((d) => d.length));
	}

	/** Set once an unfinished event outgrew the cap; from then on nothing is held or returned. */
	get tooLarge(): boolean {
		return this.#tooLarge;
	}

	/**
	 * The complete events that the held bytes and `chunk` make (a view of the chunk itself when
	 * it is exactly that), or undefined while the event is still open.
	 */
	push(chunk: Uint8Array): Buffer | undefined {
		if (this.#tooLarge || chunk.length === 0) return undefined;
		const bytes = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
		const inside = this.#lastEndIn(bytes);
		// A delimiter across the seam ends within its first few bytes: only an earlier end needs the look.
		const end = inside >= this.#longest ? inside : Math.max(inside, this.#seamEnd(bytes));
		if (end < 0) {
			this.#hold(bytes);
			return undefined;
		}
		const head = end === bytes.length ? bytes : bytes.subarray(0, end);
		const complete = this.#heldBytes === 0 ? head : this.#held.length === 1 ? Buffer.concat([this.#held[0]!, head]) : Buffer.concat([...this.#held, head]);
		this.#held = [];
		this.#heldBytes = 0;
		// A copy of what is left, so that the rest of the chunk's memory is not kept with it.
		if (end < bytes.length) this.#hold(Buffer.from(bytes.subarray(end)));
		return complete;
	}

	/** The upstream body ended: whatever was held (an event without its blank line), if anything. */
	end(): Buffer | undefined {
		const rest = this.#heldBytes > 0 ? Buffer.concat(this.#held) : undefined;
		this.#held = [];
		this.#heldBytes = 0;
		return rest;
	}

	#hold(bytes: Buffer): void {
		this.#held.push(bytes);
		this.#heldBytes += bytes.length;
		if (this.#heldBytes > this.maxEventBytes) {
			this.#tooLarge = true;
			this.#held = [];
			this.#heldBytes = 0;
		}
	}

	/** Index just past the last delimiter wholly inside `bytes`, or -1. */
	#lastEndIn(bytes: Buffer): number {
		// The usual case: the chunk ends exactly at an event's end.
		for (const d of this.#delimiters) if (endsWith(bytes, d)) return bytes.length;
		let end = -1;
		for (const d of this.#delimiters) {
			const at = bytes.lastIndexOf(d);
			if (at >= 0) end = Math.max(end, at + d.length);
		}
		return end;
	}

	/** Index in `bytes` just past a delimiter that began in the held bytes, or -1. */
	#seamEnd(bytes: Buffer): number {
		if (this.#heldBytes === 0) return -1;
		const tail = this.#heldTail(this.#longest - 1);
		const window = Buffer.concat([tail, bytes.subarray(0, this.#longest - 1)]);
		let end = -1;
		for (const d of this.#delimiters) {
			for (let at = window.indexOf(d); at >= 0 && at < tail.length; at = window.indexOf(d, at + 1)) {
				if (at + d.length > tail.length) end = Math.max(end, at + d.length - tail.length);
			}
		}
		return end;
	}

	/** The last `n` held bytes (fewer if fewer are held). */
	#heldTail(n: number): Buffer {
		const parts: Buffer[] = [];
		let taken = 0;
		for (let i = this.#held.length - 1; i >= 0 && taken < n; i--) {
			const part = this.#held[i]!;
			const slice = part.subarray(Math.max(0, part.length - (n - taken)));
			parts.unshift(slice);
			taken += slice.length;
		}
		return Buffer.concat(parts);
	}
}

function endsWith(bytes: Buffer, suffix: Buffer): boolean {
	const from = bytes.length - suffix.length;
	if (from < 0) return false;
	for (let i = 0; i < suffix.length; i++) if (bytes[from + i] !== suffix[i]) return false;
	return true;
}
