import type { ChatChunk } from './canonical';

/**
 * The /v1 endpoints a call can come through: OpenAI chat completions, legacy completions and
 * embeddings, Anthropic messages (`/v1/messages`) and OpenAI responses (`/v1/responses`).
 */
export type Door = 'chat' | 'completions' | 'embeddings' | 'messages' | 'responses';

/** What billing prices, whatever the provider called it (docs/protocol.md, "Usage"). */
export interface NormalizedUsage {
	inputUncached: number;
	cacheRead: number;
	cacheWrite: number;
	/** All output tokens, reasoning included. */
	output: number;
	reasoning: number;
	/** Some count in the upstream's report was not a non-negative integer and was read as the nearest one (see providers/usage.ts); billing flags the call. */
	malformed?: boolean;
}

export const ZERO_USAGE: NormalizedUsage = { inputUncached: 0, cacheRead: 0, cacheWrite: 0, output: 0, reasoning: 0 };

/**
 * What an adaptor reads of a channel: where the upstream is and the channel type's own config.
 * The relay's channel state has both fields, so it is handed over as it is (nothing is built
 * per call).
 */
export interface ChannelTarget {
	readonly baseUrl: string;
	/** The type-specific config as saved (validated then; adaptors parse it with their schema). */
	readonly config: Readonly<Record<string, unknown>>;
}

/**
 * The text a stream produced, for counting tokens when no usage came: the text itself up to a
 * cap, and the UTF-8 size of what came past it, which is counted from its size and never kept.
 */
export interface ProducedText {
	text: string;
	beyondBytes: number;
}

/** Where a stream stands: 'waiting' until its first event, then 'committed', or 'rejected' if that was an error. */
export type StreamState = 'waiting' | 'committed' | 'rejected';

/**
 * What every stream translation reports besides its output: whether it may be committed,
 * how it ended, and what it produced.
 */
export interface StreamBookkeeping {
	/** 'waiting' until the first event, then 'committed', or 'rejected' if it was an error. */
	readonly state: StreamState;
	/** Why the first event was refused (when rejected). */
	rejection(): string | undefined;
	/** The upstream's end-of-stream marker went through ([DONE] for OpenAI). */
	done(): boolean;
	/** Set when the upstream reported an error inside the stream (the event is not forwarded). */
	error(): string | undefined;
	/** Usage reported by the upstream, if any. */
	usage(): NormalizedUsage | undefined;
	/**
	 * The text produced so far, for counting tokens when no usage came, and the size of what
	 * came past the part kept (see ProducedText).
	 */
	producedText(): ProducedText;
	/** `producedText().text`: the kept part only, for callers that count the text alone. */
	outputText(): string;
}

/**
 * One SSE stream's translation, fed the upstream body one chunk at a time as it arrives
 * (never the whole stream). It returns what to send the client for that chunk, and says
 * when the stream may be committed: only once its first event has been read and accepted.
 */
export interface StreamTranslator extends StreamBookkeeping {
	/** Feeds one upstream chunk; returns the bytes or text to send (empty for nothing yet). */
	push(chunk: Uint8Array): Uint8Array | string;
	/** The upstream body ended: anything still held back (an unterminated last event). */
	end(): Uint8Array | string;
}

/**
 * One piece of a converted stream: a canonical chunk, or the text of an SSE comment (a
 * keep-alive) the upstream sent, which only the chat door passes on.
 */
export type StreamPiece = ChatChunk | string;

/**
 * A converting stream translation (docs/protocol.md, "Converter architecture"): like a
 * StreamTranslator, fed the upstream body chunk by chunk, but it hands out canonical chunk
 * objects, so a door renders them without parsing text again. The end marker is not a piece:
 * `done()` turning true says it went through, and nothing follows it.
 */
export interface ChunkTranslator extends StreamBookkeeping {
	/** Feeds one upstream chunk; returns the pieces it completed (often none). */
	push(chunk: Uint8Array): readonly StreamPiece[];
	/** The upstream body ended: the pieces still held back (an unterminated last event's). */
	end(): readonly StreamPiece[];
}
