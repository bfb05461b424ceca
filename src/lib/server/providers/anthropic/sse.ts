import type { EventSourceMessage } from 'eventsource-parser';
import { createBoundedParser } from '../sse-framing';
import { parseJson, rec, type Json } from './guards';

export interface EventReader {
	/** Feeds raw bytes (any split); complete events reach the callback synchronously. */
	push(chunk: Uint8Array): void;
	/** The body ended: an unterminated last event is still delivered. */
	end(): void;
}

/**
 * SSE bytes → events, through one streaming decoder (a character may span chunks).
 * `onTooLarge` is called once if an event outgrows MAX_EVENT_BYTES; nothing is read after it.
 */
export function createEventReader(onEvent: (event: EventSourceMessage) => void, onTooLarge: () => void): EventReader {
	const decoder = new TextDecoder();
	const parser = createBoundedParser({ onEvent, onTooLarge });
	return {
		push(chunk) {
			parser.feed(decoder.decode(chunk, { stream: true }));
		},
		end() {
			parser.feed(decoder.decode());
			parser.reset({ consume: true });
		}
	};
}

/** An Anthropic event's JSON payload and its type (the data's `type`, else the event name). */
export function anthropicEvent(event: EventSourceMessage): { type: string; data: Json } | undefined {
	const data = rec(parseJson(event.data));
	if (!data) return undefined;
	const type = typeof data.type === 'string' ? data.type : (event.event ?? '');
	return { type, data };
}

/** The message of an `error` event: `{"type":"error","error":{"type","message"}}`. */
export function streamErrorMessage(data: Json): string {
	const error = rec(data.error);
	const message = typeof error?.message === 'string' && error.message ? error.message : undefined;
	const type = typeof error?.type === 'string' ? error.type : undefined;
	return message ?? (type ? `The upstream reported ${type}` : 'The upstream reported an error in the stream');
}
