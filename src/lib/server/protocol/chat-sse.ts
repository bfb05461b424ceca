import { sseData, SSE_DONE } from './canonical';
import type { ChunkTranslator, ProducedText, StreamPiece, StreamState, StreamTranslator } from './types';

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
export class ChatSseTranslator implements StreamTranslator {
	readonly #source: ChunkTranslator;
	#doneSent = false;

	constructor(source: ChunkTranslator) {
		this.#source = source;
	}

	get state(): StreamState {
		return this.#source.state;
	}

	push(chunk: Uint8Array): string {
		return this.#write(this.#source.push(chunk));
	}

	end(): string {
		return this.#write(this.#source.end());
	}

	rejection(): string | undefined {
		return this.#source.rejection();
	}

	done(): boolean {
		return this.#source.done();
	}

	error(): string | undefined {
		return this.#source.error();
	}

	usage() {
		return this.#source.usage();
	}

	producedText(): ProducedText {
		return this.#source.producedText();
	}

	outputText(): string {
		return this.#source.outputText();
	}

	#write(pieces: readonly StreamPiece[]): string {
		const text = pieces.length === 0 ? '' : chatSseOf(pieces);
		if (this.#doneSent || !this.#source.done()) return text;
		this.#doneSent = true;
		return text + SSE_DONE;
	}
}
