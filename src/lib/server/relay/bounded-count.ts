/**
 * Token counting whose cost is linear in the text and capped per count, whatever the text
 * (docs/token-counting.md explains the bounds and has the measurements).
 *
 * gpt-tokenizer's byte-pair merge is quadratic in the length of one pre-token (a run of
 * letters, of punctuation or of whitespace), so a few tens of kilobytes without a space used
 * to hold the event loop for seconds, and a megabyte for half an hour. And even split up,
 * text the vocabulary does not know (random letters, rare CJK) costs up to ~10 µs a
 * character. So:
 *
 * - no run of whitespace or of non-whitespace longer than RUN_LIMIT characters reaches the
 *   tokenizer whole: a longer run is cut, and its parts are counted separately;
 * - a counter tokenizes at most `budgetChars` characters and spends at most `timeLimitMs` in
 *   the tokenizer; text past either is counted from its UTF-8 size, at the tokens-per-byte
 *   ratio of what was tokenized.
 *
 * Ordinary text is cut only where a run of whitespace begins, which is where a pre-token
 * begins anyway, so its count is the tokenizer's own.
 */

/** Longest run of whitespace or of non-whitespace handed to the tokenizer whole. */
export const RUN_LIMIT = 128;
/** Characters per tokenizer call for ordinary text: one step of work (async counts yield between steps). */
export const SLICE_CHARS = 4096;

export interface CountLimits {
	/** Characters a counter tokenizes before it counts the rest from its size. */
	budgetChars: number;
	/** Milliseconds a counter spends in the tokenizer before it counts the rest from its size. */
	timeLimitMs: number;
}

export const DEFAULT_LIMITS: CountLimits = { budgetChars: 256 * 1024, timeLimitMs: 100 };

/** The ratio used when nothing has been tokenized yet: typical English runs near 4 bytes a token. */
const FALLBACK_BYTES_PER_TOKEN = 4;
/** An async count gives the event loop a turn after this much tokenizer work. */
const PAUSE_EVERY_MS = 4;

/** Counts the tokens of one piece of text (the real tokenizer, or a stand-in in tests). */
export type PieceCounter = (piece: string) => number;

export class TokenCounter {
	#leftChars: number;
	#leftMs: number;
	#tokens = 0;
	#bytes = 0;

	constructor(
		private readonly countPiece: PieceCounter,
		limits: CountLimits = DEFAULT_LIMITS,
		private readonly now: () => number = () => performance.now()
	) {
		this.#leftChars = limits.budgetChars;
		this.#leftMs = limits.timeLimitMs;
	}

	/** Whether the budget is spent, so that further text is counted from its size. */
	get exhausted(): boolean {
		return this.#leftChars <= 0 || this.#leftMs <= 0;
	}

	/** Tokens of `text`: tokenized while the budget lasts, the rest from its size. */
	count(text: string): number {
		if (text.length === 0) return 0;
		// The common case: a short string (a role, a name, one delta) needs no slicing.
		if (text.length <= RUN_LIMIT && !this.exhausted) return this.#tokenize(text);
		const steps = this.#steps(text);
		for (;;) {
			const step = steps.next();
			if (step.done) return step.value;
		}
	}

	/**
	 * The sum of `count` over `texts`, letting the event loop run (`pause`) every few
	 * milliseconds of tokenizer work, for a caller that can wait.
	 */
	async countEach(texts: Iterable<string>, pause: () => Promise<void>): Promise<number> {
		let total = 0;
		let since = this.now();
		for (const text of texts) {
			const steps = this.#steps(text);
			for (;;) {
				const step = steps.next();
				if (step.done) {
					total += step.value;
					break;
				}
				if (this.now() - since >= PAUSE_EVERY_MS) {
					await pause();
					since = this.now();
				}
			}
		}
		return total;
	}

	/** Tokens of text known only by its UTF-8 size, at the ratio measured so far. */
	countBytes(bytes: number): number {
		if (bytes <= 0) return 0;
		const perByte = this.#bytes > 0 ? this.#tokens / this.#bytes : 1 / FALLBACK_BYTES_PER_TOKEN;
		return Math.ceil(bytes * perByte);
	}

	/** Counts `text` piece by piece, yielding after each tokenizer call. */
	*#steps(text: string): Generator<void, number> {
		if (this.exhausted) return this.countBytes(Buffer.byteLength(text, 'utf8'));
		let total = 0;
		for (const [from, to] of pieces(text)) {
			if (this.exhausted) return total + this.countBytes(Buffer.byteLength(from === 0 ? text : text.slice(from), 'utf8'));
			total += this.#tokenize(from === 0 && to === text.length ? text : text.slice(from, to));
			yield;
		}
		return total;
	}

	#tokenize(piece: string): number {
		const started = this.now();
		const tokens = this.countPiece(piece);
		this.#leftMs -= this.now() - started;
		this.#leftChars -= piece.length;
		this.#tokens += tokens;
		this.#bytes += Buffer.byteLength(piece, 'utf8');
		return tokens;
	}
}

/**
 * [from, to) ranges that cover `text` in order, each about SLICE_CHARS long at most and with
 * no run (of whitespace, or of anything else) longer than RUN_LIMIT. A range ends where a run
 * of whitespace begins when it can, and mid-run only when the run is too long. One pass over
 * the characters.
 */
export function* pieces(text: string): Generator<[number, number]> {
	const n = text.length;
	let start = 0;
	let runStart = 0;
	let inSpace = n > 0 && isSpace(text.charCodeAt(0));
	let cut = -1;
	for (let i = 1; i < n; i++) {
		const code = text.charCodeAt(i);
		const space = isSpace(code);
		if (space !== inSpace) {
			inSpace = space;
			runStart = i;
			if (space) cut = i;
		} else if (i - runStart >= RUN_LIMIT && !isLowSurrogate(code)) {
			// Never between the halves of a surrogate pair: both go to the same piece.
			yield [start, i];
			start = runStart = i;
			cut = -1;
			continue;
		}
		if (i - start >= SLICE_CHARS && cut > start) {
			yield [start, cut];
			start = cut;
			cut = -1;
		}
	}
	if (n > 0) yield [start, n];
}

/** JavaScript's `\s`, which is what the tokenizer's pre-token pattern splits on. */
function isSpace(code: number): boolean {
	if (code <= 0x20) return code === 0x20 || (code >= 0x09 && code <= 0x0d);
	if (code < 0xa0) return false;
	return (
		code === 0xa0 ||
		code === 0x1680 ||
		(code >= 0x2000 && code <= 0x200a) ||
		code === 0x2028 ||
		code === 0x2029 ||
		code === 0x202f ||
		code === 0x205f ||
		code === 0x3000 ||
		code === 0xfeff
	);
}

function isLowSurrogate(code: number): boolean {
	return code >= 0xdc00 && code <= 0xdfff;
}
