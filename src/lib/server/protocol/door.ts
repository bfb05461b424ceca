import type { ChatChunk, ChatCompletion, ChatRequest, ChatUsage } from './canonical';

/** A refusal in a door's own shape: what the relay knows about an error it answers with. */
export interface DoorError {
	status: number;
	message: string;
	/** OpenAI error type (invalid_request_error, rate_limit_error, ...); doors map it to theirs. */
	type: string;
	code: string | null;
	param: string | null;
}

export interface RenderContext {
	/** The model name the client asked for (never the upstream's). */
	publicModel: string;
	/** The gateway's request id, for ids the door's protocol wants (msg_..., resp_...). */
	requestId: string;
	/** The door's own request body, for what its answers echo back (e.g. Responses' instructions, tools). */
	request: Record<string, unknown>;
}

/** Canonical chunks in, the door's SSE text out; one per stream, fed in order. */
export interface StreamRenderer {
	/** The door's events for one canonical chunk (empty when it adds nothing yet). */
	push(chunk: ChatChunk): string;
	/** The upstream stream ended normally: the closing events, with the final usage when known. */
	end(usage: ChatUsage | undefined): string;
	/** An in-band error after the stream started: the door's error event(s); nothing follows. */
	error(err: DoorError): string;
}

/**
 * An inbound protocol other than OpenAI chat (docs/doors/messages.md, docs/doors/responses.md): how its requests become
 * canonical and how canonical answers and errors are rendered back. Pure functions only.
 */
export interface DoorCodec {
	readonly door: 'messages' | 'responses';
	/** The client's body as a canonical chat request (throws DoorInputError, protocol/errors.ts, when the door refuses it). */
	toCanonical(body: Record<string, unknown>): ChatRequest;
	renderCompletion(completion: ChatCompletion, ctx: RenderContext): string;
	createStreamRenderer(ctx: RenderContext): StreamRenderer;
	/** The door's error body (non-stream). */
	errorBody(err: DoorError): unknown;
	/**
	 * The door's token-count endpoint (Anthropic's /v1/messages/count_tokens), counted locally
	 * by `count`, which may take its time (it yields to the event loop as it works).
	 */
	countTokens?(body: Record<string, unknown>, count: (canonical: ChatRequest) => Promise<number>): Promise<{ input_tokens: number }>;
}
