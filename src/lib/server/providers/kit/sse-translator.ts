import type { ChatChunk } from '../../protocol/canonical';
import type { ChunkTranslator, NormalizedUsage, StreamPiece, StreamState } from '../../protocol/types';
import { createBoundedParser, EVENT_TOO_LARGE } from '../sse-framing';
import { TextTally } from '../text-tally';

/** What a provider's per-event mapping may do; the translator keeps the books. */
export interface SseEventContext {
	readonly state: StreamState;
	/** The end marker went through, the stream was refused, or an in-band error came: nothing more is read. */
	readonly closed: boolean;
	/** The usage reported so far. */
	readonly usage: NormalizedUsage | undefined;
	/** The stream's first answer came: from now on the relay may commit to the client. */
	commit(): void;
	/** Refuses the stream before the commit, or reports an in-band error after it (the first one counts). */
	refuse(message: string): void;
	/** The upstream's end marker went through. */
	finish(): void;
	setUsage(usage: NormalizedUsage | undefined): void;
	/** Text the answer produced, for counting tokens when no usage comes. */
	tally(text: string): void;
	/** One canonical chunk for the client. */
	emit(chunk: ChatChunk): void;
}

export interface SseEventMapping {
	/** One upstream event: its data, and its `event:` name when it had one. */
	event(data: string, name: string | undefined): void;
	/** The upstream body ended, after its last event was read (not called once closed). */
	end?(): void;
	/** Comments (keep-alives) are passed on to the client unless this is set. */
	dropComments?: boolean;
	/**
	 * Whether a last event left without its blank line still counts when the body ends
	 * ('read', the default) or is dropped, so that a stream cut inside it ends unfinished.
	 */
	unterminatedLastEvent?: 'read' | 'dropped';
}

const NOTHING: readonly StreamPiece[] = Object.freeze([]);

/**
 * A ChunkTranslator from a provider's per-event mapping: the upstream's bytes are decoded and
 * framed into events (bounded, see sse-framing.ts), and the commit / rejection, end marker,
 * in-band error, usage and produced-text bookkeeping is kept here, once for every provider.
 * Events after the end marker, a rejection or an error are not read. `build` runs once per
 * stream, so the mapping's helpers are made once, not per event.
 */
export function createSseTranslator(build: (ctx: SseEventContext) => SseEventMapping): ChunkTranslator {
	const decoder = new TextDecoder();
	const text = new TextTally();
	let state: StreamState = 'waiting';
	let rejection: string | undefined;
	let error: string | undefined;
	let usage: NormalizedUsage | undefined;
	let done = false;
	let out: StreamPiece[] = [];

	const closed = () => done || state === 'rejected' || error !== undefined;
	const refuse = (message: string) => {
		if (state === 'waiting') {
			state = 'rejected';
			rejection = message;
		} else error ??= message;
	};
	const ctx: SseEventContext = {
		get state() {
			return state;
		},
		get closed() {
			return closed();
		},
		get usage() {
			return usage;
		},
		commit() {
			if (state === 'waiting') state = 'committed';
		},
		refuse,
		finish() {
			done = true;
		},
		setUsage(next) {
			usage = next;
		},
		tally(piece) {
			text.add(piece);
		},
		emit(chunk) {
			out.push(chunk);
		}
	};
	const mapping = build(ctx);
	const parser = createBoundedParser({
		onEvent(event) {
			if (!closed()) mapping.event(event.data, event.event);
		},
		onComment: mapping.dropComments
			? undefined
			: (comment) => {
					if (!closed()) out.push(comment);
				},
		onTooLarge() {
			if (!closed()) refuse(EVENT_TOO_LARGE);
		}
	});

	const take = (): readonly StreamPiece[] => {
		if (out.length === 0) return NOTHING;
		const pieces = out;
		out = [];
		return pieces;
	};

	return {
		get state() {
			return state;
		},
		push(chunk) {
			parser.feed(decoder.decode(chunk, { stream: true }));
			return take();
		},
		end() {
			const rest = decoder.decode();
			if (mapping.unterminatedLastEvent === 'dropped') {
				parser.feed(rest);
				parser.reset({ consume: true });
			} else {
				// Two line ends complete whatever line and event were left open (the parser's own
				// reset({ consume: true }) leaves a last line without its line end unread).
				parser.feed(rest + '\n\n');
			}
			if (mapping.end && !closed()) mapping.end();
			return take();
		},
		rejection: () => rejection,
		done: () => done,
		error: () => error,
		usage: () => usage,
		producedText: () => text.produced(),
		outputText: () => text.text()
	};
}
