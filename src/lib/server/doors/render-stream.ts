import type { ChatChunk, ChatUsage } from '../providers/canonical';
import type { StreamTranslator } from '../providers/types';
import { chatUsageOf } from '../providers/usage';
import type { DoorError, StreamRenderer } from './types';

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

	outputText(): string {
		return this.#inner.outputText();
	}

	/** The door's in-band error event(s), closing what the renderer has open. */
	errorEvent(err: DoorError): string {
		return this.#renderer.error(err);
	}

	#render(out: Uint8Array | string, last: boolean): string {
		this.#pending += typeof out === 'string' ? out : this.#decoder.decode(out, { stream: !last });
		let text = '';
		for (;;) {
			const boundary = nextBoundary(this.#pending);
			if (!boundary) break;
			const event = this.#pending.slice(0, boundary.at);
			this.#pending = this.#pending.slice(boundary.at + boundary.length);
			text += this.#event(event);
		}
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

function nextBoundary(text: string): { at: number; length: number } | undefined {
	const lf = text.indexOf('\n\n');
	const crlf = text.indexOf('\r\n\r\n');
	if (lf < 0 && crlf < 0) return undefined;
	if (crlf >= 0 && (lf < 0 || crlf < lf)) return { at: crlf, length: 4 };
	return { at: lf, length: 2 };
}
