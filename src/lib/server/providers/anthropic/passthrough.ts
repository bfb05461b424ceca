import { EVENT_TOO_LARGE, EventSplitter } from '../sse-framing';
import { TextTally } from '../text-tally';
import type { NormalizedUsage, StreamOptions, StreamTranslator } from '../types';
import { parseJson, rec, str, type Json } from './guards';
import { streamErrorMessage } from './sse';
import { mergeStreamUsage, usageFromAnthropic } from './usage';

/** An event's type: the `event:` line if it has one, else the data's `type`. */
const EVENT_LINE = /^event:[ ]?(.*)$/m;
const DATA_LINE = /^data:[ ]?(.*)$/gm;
/** Event types whose data the translator reads; every other event passes unparsed. */
const READ = new Set(['message_start', 'message_delta', 'message_stop', 'error', 'content_block_delta']);

/**
 * The /v1/messages door against an Anthropic upstream: the SSE goes to the client as
 * received, event by event (a partial event waits for its end, so an in-band error from the
 * relay can never land inside one). Only what the relay needs is read: message_start commits
 * (and has its model field set to the public name, as the non-stream answer does), usage comes
 * from message_start + message_delta, message_stop marks the end, and an `error` event is
 * reported instead of forwarded.
 */
export function createAnthropicPassthroughTranslator({ publicModel }: StreamOptions): StreamTranslator {
	let state: StreamTranslator['state'] = 'waiting';
	let rejection: string | undefined;
	let error: string | undefined;
	let done = false;
	let usage: NormalizedUsage | undefined;
	const text = new TextTally();
	// A complete run of events ends in a blank line (ASCII), so it decodes on its own.
	const events = new EventSplitter(['\n\n', '\r\n\r\n', '\r\r']);
	const decoder = new TextDecoder();

	/** Returns the event's text as it should go out ('' to hold it back). */
	function pass(raw: string): string {
		if (done || error !== undefined || state === 'rejected') return '';
		const named = EVENT_LINE.exec(raw)?.[1]?.trim();
		if (named !== undefined && !READ.has(named)) return raw;
		const dataText = [...raw.matchAll(DATA_LINE)].map((m) => m[1]).join('\n');
		if (!dataText) return raw; // comments, blank keep-alives
		const data = rec(parseJson(dataText));
		const type = named ?? str(data?.type) ?? '';
		if (!data) {
			if (state === 'waiting') {
				state = 'rejected';
				rejection = 'The upstream sent something other than an Anthropic event';
			}
			return '';
		}
		switch (type) {
			case 'error':
				if (state === 'waiting') {
					state = 'rejected';
					rejection = streamErrorMessage(data);
				} else error = streamErrorMessage(data);
				return '';
			case 'message_start':
				state = 'committed';
				usage = usageFromAnthropic(rec(data.message)?.usage);
				return renamed(raw, data);
			case 'message_delta':
				usage = mergeStreamUsage(usage, data.usage);
				return raw;
			case 'message_stop':
				done = true;
				return raw;
			case 'content_block_delta':
				// Kept only while no usage is known: it is what gets counted if none ever comes.
				if (!usage) text.add(deltaText(rec(data.delta)));
				return raw;
			default:
				return raw;
		}
	}

	function renamed(raw: string, data: Json): string {
		const model = str(rec(data.message)?.model);
		if (model === undefined || model === publicModel) return raw;
		return raw.replace(`"model":${JSON.stringify(model)}`, `"model":${JSON.stringify(publicModel)}`);
	}

	/** The events in `complete` (whole events only), passed. */
	function passAll(complete: string): string {
		let out = '';
		for (const raw of splitEvents(complete)) out += pass(raw);
		return out;
	}

	/** An event that outgrew the cap: refused before the commit, an in-band error after it. */
	function checkSize(): void {
		if (!events.tooLarge || state === 'rejected' || error !== undefined) return;
		if (state === 'waiting') {
			state = 'rejected';
			rejection = EVENT_TOO_LARGE;
		} else error = EVENT_TOO_LARGE;
	}

	return {
		get state() {
			return state;
		},
		push(chunk) {
			const complete = events.push(chunk);
			const out = complete ? passAll(decoder.decode(complete)) : '';
			checkSize();
			return out;
		},
		end() {
			const rest = events.end();
			const pending = rest ? decoder.decode(rest) : '';
			if (!pending.trim()) return '';
			// An upstream that closes without the blank line after its last event: pass it on whole.
			return passAll(pending + (pending.endsWith('\n') ? '\n' : '\n\n'));
		},
		rejection: () => rejection,
		done: () => done,
		error: () => error,
		usage: () => usage,
		producedText: () => text.produced(),
		outputText: () => text.text()
	};
}

/** Complete events, each with its own terminating blank line. */
function splitEvents(text: string): string[] {
	const events: string[] = [];
	const boundary = /\r\n\r\n|\n\n|\r\r/g;
	let start = 0;
	for (let m = boundary.exec(text); m; m = boundary.exec(text)) {
		events.push(text.slice(start, m.index + m[0].length));
		start = m.index + m[0].length;
	}
	if (start < text.length) events.push(text.slice(start));
	return events;
}

function deltaText(delta: Json | undefined): string {
	return str(delta?.text) ?? str(delta?.thinking) ?? str(delta?.partial_json) ?? '';
}
