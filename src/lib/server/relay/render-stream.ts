import type { ChatChunk, ChatUsage } from '../protocol/canonical';
import type { ProducedText, StreamTranslator } from '../protocol/types';
import { chatUsageOf } from '../providers/usage';
import type { DoorError, StreamRenderer } from '../protocol/door';

/**
 * An upstream translator's OpenAI chat SSE, re-rendered in another door's protocol. The inner
 * translator hands out complete events only; each is parsed once here and given to the door's
 * renderer, and the inner translator still decides commit, end, errors and usage.
 */
export class RenderedTranslator implements StreamTranslator {
	readonly #inner: StreamTranslator;
	readonly #renderer: StreamRenderer;
	readonly #decoder = new TextDecoder();
	#pending = '';
	#usage: ChatUsage | undefined;
	#ended = false;

	constructor(inner: StreamTranslator, renderer: StreamRenderer) {
		this.#inner = inner;
		this.#renderer = renderer;
	}

	get state(): StreamTranslator['state'] {
		return this.#inner.state;
	}

	push(chunk: Uint8Array): string {
		return this.#render(this.#inner.push(chunk), false);
	}

	end(): string {
		return this.#render(this.#inner.end(), true);
	}

	rejection(): string | undefined {
		return this.#inner.rejection();
	}

	done(): boolean {
		return this.#ended;
	}

	error(): string | undefined {
		return this.#inner.error();
	}

	usage() {
		return this.#inner.usage();
	}

	producedText(): ProducedText {
		return this.#inner.producedText();
	}

	outputText(): string {
		return this.#inner.outputText();
	}

	/** The door's in-band error event(s), closing what the renderer has open. */
	errorEvent(err: DoorError): string {
		return this.#renderer.error(err);
	}

	#render(out: Uint8Array | string, last: boolean): string {
		const pending = this.#pending + (typeof out === 'string' ? out : this.#decoder.decode(out, { stream: !last }));
		let text = '';
		let start = 0;
		// The next "\n\n" and "\r\n\r\n" at or after `start` (-1: none left), each searched for
		// again only once passed, so a chunk of many events is read in one pass.
		let lf = pending.indexOf('\n\n');
		let crlf = pending.indexOf('\r\n\r\n');
		while (lf >= 0 || crlf >= 0) {
			const boundary = crlf >= 0 && (lf < 0 || crlf < lf) ? { at: crlf, length: 4 } : { at: lf, length: 2 };
			text += this.#event(pending.slice(start, boundary.at));
			start = boundary.at + boundary.length;
			if (lf >= 0 && lf < start) lf = pending.indexOf('\n\n', start);
			if (crlf >= 0 && crlf < start) crlf = pending.indexOf('\r\n\r\n', start);
		}
		this.#pending = pending.slice(start);
		return text;
	}

	#event(event: string): string {
		let data = '';
		for (const line of event.split(/\r?\n/)) {
			if (line.startsWith('data:')) data += line.slice(line.startsWith('data: ') ? 6 : 5);
		}
		if (!data || this.#ended) return '';
		if (data === '[DONE]') {
			this.#ended = true;
			const usage = this.#inner.usage();
			return this.#renderer.end(usage ? chatUsageOf(usage) : this.#usage);
		}
		let chunk: ChatChunk;
		try {
			chunk = JSON.parse(data) as ChatChunk;
		} catch {
			return '';
		}
		if (chunk.usage) this.#usage = chunk.usage;
		return Array.isArray(chunk.choices) && chunk.choices.length > 0 ? this.#renderer.push(chunk) : '';
	}
}
