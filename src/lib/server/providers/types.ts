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
 * One SSE stream's translation, fed one upstream event at a time (never the whole stream).
 * Returns the text to send the client for that event ('' to send nothing).
 */
export interface StreamTranslator {
	/** The first event decides the commit: false means the upstream sent an error instead. */
	first(data: string): { ok: true; out: string } | { ok: false; message: string };
	next(data: string): string;
	/** A comment line (heartbeat) from upstream, passed on to keep the client's connection alive. */
	comment(text: string): string;
	/** Usage reported by the upstream, if any, once the stream ended. */
	usage(): NormalizedUsage | undefined;
	/** The text produced so far, for counting tokens when no usage came. */
	outputText(): string;
	/** Set when the upstream reported an error inside the stream. */
	error(): string | undefined;
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
