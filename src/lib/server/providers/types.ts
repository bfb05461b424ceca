import type * as z from 'zod';
import type { ChatRequest } from '../protocol/canonical';
import type { ChannelTarget, ChunkTranslator, Door, NormalizedUsage, StreamTranslator } from '../protocol/types';

export type { ChannelTarget, ChunkTranslator, Door, NormalizedUsage, ProducedText, StreamTranslator } from '../protocol/types';
export { ZERO_USAGE } from '../protocol/types';

export interface OutboundRequest {
	url: string;
	headers: Record<string, string>;
	body: string;
}

export interface BuildRequestInput {
	channel: ChannelTarget;
	secret: string;
	door: Door;
	/** The client's parsed body (never mutated; adaptors copy what they change). */
	body: Record<string, unknown>;
	/** The client's raw body, forwarded as is when nothing needs rewriting. */
	rawBody: string;
	upstreamModel: string;
	stream: boolean;
	/** The client's request headers (e.g. anthropic-beta, forwarded on an Anthropic passthrough). */
	clientHeaders?: Headers;
}

/** A parsed non-stream answer, ready for the client. */
export interface FinishedResponse {
	body: string;
	usage: NormalizedUsage | undefined;
	/** The generated text, for counting tokens when no usage came. */
	outputText: string;
}

export interface StreamOptions {
	publicModel: string;
	/** The client asked for the usage chunk (stream_options.include_usage). */
	clientWantsUsage: boolean;
	door: Door;
	/** The output limit the request set, when it set one (lets a finish reason be inferred as 'length'). */
	maxTokens?: number;
}

/**
 * What the relay does about an upstream's refusal (docs/protocol.md, "Failure classification"): try another channel
 * (counts toward the channel's breaker), cool the channel down (rate limited or overloaded),
 * disable the key that was used (refused credentials, credit exhausted), skip this channel for
 * the model (404), or give up and show the client (its own mistake).
 */
export type FailureKind = 'retry' | 'cool' | 'bad-key' | 'model-unavailable' | 'client';

export interface UpstreamFailure {
	kind: FailureKind;
	/** The upstream's HTTP status; 0 when no answer came (network, timeout). */
	status: number;
	/** The upstream's own message (the relay scrubs it before anyone sees it). */
	message: string;
	/** From retry-after / retry-after-ms, for 'cool'. */
	retryAfterMs?: number;
	/** Set by the relay when no answer came at all. */
	cause?: 'timeout' | 'unreachable' | 'disconnected' | 'bad-response';
	/** For client errors: the upstream's OpenAI-style code, type and param, passed on. */
	code?: string | null;
	type?: string;
	param?: string | null;
}

/** Fetches a client-supplied image URL for an upstream that wants the bytes (SSRF-guarded). */
export type ImageFetcher = (url: string) => Promise<{ mediaType: string; base64: string }>;

/**
 * Everything the relay needs to know about one upstream protocol. Pure: no I/O, except the
 * optional `prepare` step, which gets its I/O (image downloads) handed in.
 *
 * A call reaches an adaptor in one of two ways (docs/protocol.md, "Converter architecture"):
 * - natively: `native(door, channel)` is true, and the body is the client's own, in the door's
 *   protocol; the answer goes back in that protocol (passthrough, usage sniffed);
 * - converted: the body is a canonical `ChatRequest` and `door` is 'chat'; the answer must be
 *   OpenAI chat JSON / SSE text, which the relay renders for the client's door.
 * `supports` says which of 'chat' | 'completions' | 'embeddings' the adaptor can serve at all.
 */
export interface ProviderAdaptor {
	readonly type: string;
	/** This channel type's own config fields (validated when a channel is saved; the UI renders forms from it). */
	readonly configSchema: z.ZodType<Record<string, unknown>>;
	/** The vendor's one public API root, for a channel saved without a base URL (types without one need it given). */
	readonly defaultBaseUrl?: string;
	supports(door: Door): boolean;
	/** Whether this channel speaks the door's protocol itself, so the body can pass through. */
	native(door: Door, channel: ChannelTarget): boolean;
	/** Async work a converted request needs before `buildRequest` (e.g. inlining remote images). */
	prepare?(body: ChatRequest, fetchImage: ImageFetcher): Promise<ChatRequest>;
	buildRequest(input: BuildRequestInput): OutboundRequest;
	finishResponse(door: Door, text: string, publicModel: string, maxTokens?: number): FinishedResponse;
	createStreamTranslator(options: StreamOptions): StreamTranslator;
	/**
	 * For an adaptor that builds its converted stream's chunks itself: those chunks as objects,
	 * which a door renders without parsing them again (its `createStreamTranslator` for the
	 * chat door is then their chat SSE). Without it a rendered stream is read from that SSE.
	 */
	createChunkTranslator?(options: StreamOptions): ChunkTranslator;
	/** Classifies a non-2xx answer from the upstream. */
	classifyFailure(status: number, headers: Headers, text: string): UpstreamFailure;
	/** A minimal request for a channel test (one token of output). */
	testBody(door: Door, model: string): Record<string, unknown>;
}
