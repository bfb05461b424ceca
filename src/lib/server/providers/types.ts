import type { ChannelState } from '../state/snapshot';

/** The /v1 endpoints a call can come through. */
export type Door = 'chat' | 'completions' | 'embeddings';

/** What billing prices, whatever the provider called it (PROTOCOLS.md §1 rule 6). */
export interface NormalizedUsage {
	inputUncached: number;
	cacheRead: number;
	cacheWrite: number;
	/** All output tokens, reasoning included. */
	output: number;
	reasoning: number;
}

export interface OutboundRequest {
	url: string;
	headers: Record<string, string>;
	body: string;
}

export interface BuildRequestInput {
	channel: ChannelState;
	secret: string;
	door: Door;
	/** The client's parsed body (never mutated; adaptors copy what they change). */
	body: Record<string, unknown>;
	/** The client's raw body, forwarded as is when nothing needs rewriting. */
	rawBody: string;
	upstreamModel: string;
	stream: boolean;
}

/** A parsed non-stream answer, ready for the client. */
export interface FinishedResponse {
	body: string;
	usage: NormalizedUsage | undefined;
	/** The generated text, for counting tokens when no usage came. */
	outputText: string;
}

/**
 * One SSE stream's translation, fed the upstream body one chunk at a time as it arrives
 * (never the whole stream). It returns what to send the client for that chunk, and says
 * when the stream may be committed: only once its first event has been read and accepted.
 */
export interface StreamTranslator {
	/** Feeds one upstream chunk; returns the bytes or text to send (empty for nothing yet). */
	push(chunk: Uint8Array): Uint8Array | string;
	/** The upstream body ended: anything still held back (an unterminated last event). */
	end(): Uint8Array | string;
	/** 'waiting' until the first event, then 'committed', or 'rejected' if it was an error. */
	readonly state: 'waiting' | 'committed' | 'rejected';
	/** Why the first event was refused (when rejected). */
	rejection(): string | undefined;
	/** The upstream's end-of-stream marker went through ([DONE] for OpenAI). */
	done(): boolean;
	/** Set when the upstream reported an error inside the stream (the event is not forwarded). */
	error(): string | undefined;
	/** Usage reported by the upstream, if any. */
	usage(): NormalizedUsage | undefined;
	/** The text produced so far, for counting tokens when no usage came. */
	outputText(): string;
}

export interface StreamOptions {
	publicModel: string;
	/** The client asked for the usage chunk (stream_options.include_usage). */
	clientWantsUsage: boolean;
	door: Door;
}

/** Everything the relay needs to know about one upstream protocol. Pure: no I/O. */
export interface ProviderAdaptor {
	readonly type: string;
	supports(door: Door): boolean;
	buildRequest(input: BuildRequestInput): OutboundRequest;
	finishResponse(door: Door, text: string, publicModel: string): FinishedResponse;
	createStreamTranslator(options: StreamOptions): StreamTranslator;
	/** The upstream's error body, reduced to a message for the client (scrubbed by the relay). */
	errorMessage(status: number, text: string): string;
}

export const ZERO_USAGE: NormalizedUsage = { inputUncached: 0, cacheRead: 0, cacheWrite: 0, output: 0, reasoning: 0 };
