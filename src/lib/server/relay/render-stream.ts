import type { ChatChunk, ChatUsage } from '../protocol/canonical';
import { TranslationOver } from '../protocol/translation-over';
import type { ChunkTranslator, StreamPiece, StreamTranslator } from '../protocol/types';
import type { ProviderAdaptor, StreamOptions } from '../providers/types';
import { chatUsageOf } from '../providers/usage';
import type { DoorError, StreamRenderer } from '../protocol/door';

const NOTHING: readonly StreamPiece[] = Object.freeze([]);

/**
 * A converted stream's canonical chunks, rendered in another door's protocol: each chunk goes
 * to the door's renderer as the object the translator built (comments and usage-only chunks
 * have no place in the door's events), and the closing events follow the end marker. The
 * source still decides commit, end, errors and usage.
 */
export class RenderedTranslator extends TranslationOver<string> implements StreamTranslator {
	readonly #chunks: ChunkTranslator;
	readonly #renderer: StreamRenderer;
	#usage: ChatUsage | undefined;
	#ended = false;

	constructor(source: ChunkTranslator, renderer: StreamRenderer) {
		super(source);
		this.#chunks = source;
		this.#renderer = renderer;
	}

	push(chunk: Uint8Array): string {
		return this.#render(this.#chunks.push(chunk));
	}

	end(): string {
		return this.#render(this.#chunks.end());
	}

	done(): boolean {
		return this.#ended;
	}

	/** The door's in-band error event(s), closing what the renderer has open. */
	errorEvent(err: DoorError): string {
		return this.#renderer.error(err);
	}

	#render(pieces: readonly StreamPiece[]): string {
		if (this.#ended) return '';
		let text = '';
		for (const piece of pieces) {
			if (typeof piece === 'string') continue;
			if (piece.usage) this.#usage = piece.usage;
			if (Array.isArray(piece.choices) && piece.choices.length > 0) text += this.#renderer.push(piece);
		}
		if (this.#chunks.done()) {
			this.#ended = true;
			const usage = this.#chunks.usage();
			text += this.#renderer.end(usage ? chatUsageOf(usage) : this.#usage);
		}
		return text;
	}
}

/**
 * The chunks of a translator that writes OpenAI chat SSE (an OpenAI-compatible upstream passed
 * through as bytes), for a door that renders them: its complete events are parsed here, once
 * each. The translator keeps the bookkeeping; the end marker ends the chunks.
 */
export class ChatSseChunks extends TranslationOver<readonly StreamPiece[]> implements ChunkTranslator {
	readonly #inner: StreamTranslator;
	readonly #decoder = new TextDecoder();
	#pending = '';
	#done = false;

	constructor(inner: StreamTranslator) {
		super(inner);
		this.#inner = inner;
	}

	push(chunk: Uint8Array): readonly StreamPiece[] {
		return this.#read(this.#inner.push(chunk), false);
	}

	end(): readonly StreamPiece[] {
		return this.#read(this.#inner.end(), true);
	}

	/** [DONE] was read from the inner translator's output. */
	done(): boolean {
		return this.#done;
	}

	#read(out: Uint8Array | string, last: boolean): readonly StreamPiece[] {
		const pending = this.#pending + (typeof out === 'string' ? out : this.#decoder.decode(out, { stream: !last }));
		let chunks: ChatChunk[] | undefined;
		let start = 0;
		// The next "\n\n" and "\r\n\r\n" at or after `start` (-1: none left), each searched for
		// again only once passed, so a chunk of many events is read in one pass.
		let lf = pending.indexOf('\n\n');
		let crlf = pending.indexOf('\r\n\r\n');
		while (lf >= 0 || crlf >= 0) {
			const boundary = crlf >= 0 && (lf < 0 || crlf < lf) ? { at: crlf, length: 4 } : { at: lf, length: 2 };
			const chunk = this.#event(pending.slice(start, boundary.at));
			if (chunk) (chunks ??= []).push(chunk);
			start = boundary.at + boundary.length;
			if (lf >= 0 && lf < start) lf = pending.indexOf('\n\n', start);
			if (crlf >= 0 && crlf < start) crlf = pending.indexOf('\r\n\r\n', start);
		}
		this.#pending = pending.slice(start);
		return chunks ?? NOTHING;
	}

	#event(event: string): ChatChunk | undefined {
		let data = '';
		for (const line of event.split(/\r?\n/)) {
			if (line.startsWith('data:')) data += line.slice(line.startsWith('data: ') ? 6 : 5);
		}
		if (!data || this.#done) return undefined;
		if (data === '[DONE]') {
			this.#done = true;
			return undefined;
		}
		try {
			// The upstream's own chunk, passed through: what renderers read of it is OpenAI's chunk shape.
			return JSON.parse(data) as ChatChunk;
		} catch {
			return undefined;
		}
	}
}

/** A converted stream for a door that renders it: the adaptor's chunks, else those read from its chat SSE. */
export function renderedStream(adaptor: ProviderAdaptor, options: StreamOptions, renderer: StreamRenderer): RenderedTranslator {
	const source = adaptor.createChunkTranslator ? adaptor.createChunkTranslator(options) : new ChatSseChunks(adaptor.createStreamTranslator(options));
	return new RenderedTranslator(source, renderer);
}
