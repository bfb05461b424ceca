import type { ProducedText, StreamBookkeeping, StreamState } from './types';

/**
 * A stream translation layered on another one: it changes what goes out (chunks written as
 * SSE, rendered for a door, or read back from SSE), while the source keeps the books (commit,
 * rejection, errors, usage, produced text), which are answered from it here once for all.
 */
export abstract class TranslationOver<Out> implements StreamBookkeeping {
	protected readonly source: StreamBookkeeping;

	constructor(source: StreamBookkeeping) {
		this.source = source;
	}

	abstract push(chunk: Uint8Array): Out;
	abstract end(): Out;
	abstract done(): boolean;

	get state(): StreamState {
		return this.source.state;
	}

	rejection(): string | undefined {
		return this.source.rejection();
	}

	error(): string | undefined {
		return this.source.error();
	}

	usage() {
		return this.source.usage();
	}

	producedText(): ProducedText {
		return this.source.producedText();
	}

	outputText(): string {
		return this.source.outputText();
	}
}
