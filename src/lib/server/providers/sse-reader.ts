import type { EventSourceMessage } from 'eventsource-parser';
import { createBoundedParser } from './sse-framing';

/** An event's data, a comment, or notice that an event outgrew MAX_EVENT_BYTES (the last item the reader gives). */
export type SseItem = { kind: 'data'; data: string } | { kind: 'comment'; text: string } | { kind: 'too-large' };

export interface SseReader {
	/** Decodes one upstream chunk (it may cut events, lines or characters anywhere); returns the events it completed. */
	push(chunk: Uint8Array): SseItem[];
	/** The upstream body ended: an event left without its blank line still counts. */
	end(): SseItem[];
}

/**
 * Upstream SSE bytes as whole events, for translators that parse every event: one streaming
 * TextDecoder (so a multi-byte character split across chunks survives) feeding
 * eventsource-parser (which handles CRLF, multi-line data and comments), bounded.
 */
export function createSseReader(): SseReader {
	const decoder = new TextDecoder();
	let items: SseItem[] = [];
	const parser = createBoundedParser({
		onEvent: (event: EventSourceMessage) => void items.push({ kind: 'data', data: event.data }),
		onComment: (text: string) => void items.push({ kind: 'comment', text }),
		onTooLarge: () => void items.push({ kind: 'too-large' })
	});
	const take = () => {
		const out = items;
		items = [];
		return out;
	};
	return {
		push(chunk) {
			parser.feed(decoder.decode(chunk, { stream: true }));
			return take();
		},
		end() {
			// Two line ends complete whatever line and event were left open (the parser's own
			// reset({ consume: true }) leaves a last line without its line end unread).
			parser.feed(decoder.decode() + '\n\n');
			return take();
		}
	};
}

export { parseJsonObject } from '../protocol/json';

/** The message of an `{"error": ...}` body: a string, or an object's `message`. */
export function errorMessageOf(value: Record<string, unknown>): string | undefined {
	const error = value.error;
	if (typeof error === 'string') return error;
	if (error !== null && typeof error === 'object') {
		const message = (error as Record<string, unknown>).message;
		if (typeof message === 'string') return message;
		return 'The upstream reported an error';
	}
	return undefined;
}
