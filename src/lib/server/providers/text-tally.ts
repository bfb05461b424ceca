import type { ProducedText } from './types';

/**
 * Characters of produced text kept for counting (docs/token-counting.md): far more than any
 * model writes in one answer, so past them the text is surely not worth keeping, only its size.
 */
export const TALLY_CHARS = 1 << 20;

/**
 * Keeps the text a stream produced, for counting tokens when no usage comes: the text up to
 * a cap, then only the UTF-8 size of the rest. Memory and work stay bounded however long the
 * stream, and nothing stands in for the text that was not kept.
 */
export class TextTally {
	#parts: string[] = [];
	#kept = 0;
	#beyondBytes = 0;

	constructor(private readonly cap = TALLY_CHARS) {}

	add(text: string): void {
		if (!text) return;
		// Once one piece did not fit, the rest all goes by size, so the kept text is a prefix.
		if (this.#beyondBytes === 0 && this.#kept + text.length <= this.cap) {
			this.#parts.push(text);
			this.#kept += text.length;
		} else this.#beyondBytes += Buffer.byteLength(text, 'utf8');
	}

	/** The kept text. */
	text(): string {
		if (this.#parts.length > 1) this.#parts = [this.#parts.join('')];
		return this.#parts[0] ?? '';
	}

	produced(): ProducedText {
		return { text: this.text(), beyondBytes: this.#beyondBytes };
	}
}
