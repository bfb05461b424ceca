import { sseData, SSE_DONE } from './canonical';
import { TranslationOver } from './translation-over';
import type { ChunkTranslator, StreamPiece, StreamTranslator } from './types';

/** OpenAI chat SSE text for the pieces of one push: a chunk as its data event, a comment as it came. */
export function chatSseOf(pieces: readonly StreamPiece[]): string {
	let text = '';
	for (const piece of pieces) text += typeof piece === 'string' ? `: ${piece}\n\n` : sseData(piece);
	return text;
}

/**
 * A converting translation written as OpenAI chat SSE (docs/protocol.md, "Chunk"), for the
 * chat door: each chunk as a data event, comments as they came, and [DONE] once the source
 * says its end marker went through. The source keeps all of the bookkeeping.
 */
export class ChatSseTranslator extends TranslationOver<string> implements StreamTranslator {
	readonly #chunks: ChunkTranslator;
	#doneSent = false;

	constructor(source: ChunkTranslator) {
		super(source);
		this.#chunks = source;
	}

	push(chunk: Uint8Array): string {
		return this.#write(this.#chunks.push(chunk));
	}

	end(): string {
		return this.#write(this.#chunks.end());
	}

	done(): boolean {
		return this.#chunks.done();
	}

	#write(pieces: readonly StreamPiece[]): string {
		const text = pieces.length === 0 ? '' : chatSseOf(pieces);
		if (this.#doneSent || !this.#chunks.done()) return text;
		this.#doneSent = true;
		return text + SSE_DONE;
	}
}
