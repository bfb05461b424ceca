import { describe, expect, test } from 'vitest';
import { createBoundedParser, EVENT_TOO_LARGE, EventSplitter, MAX_EVENT_BYTES } from './sse-framing';

const encoder = new TextEncoder();
const decoder = new TextDecoder();
const LF_AND_CRLF = ['\n\n', '\r\n\r\n'];

/** Every run of complete events the splitter hands out for `text` cut into `pieces`, joined, and what `end` left. */
function split(pieces: string[], delimiters = LF_AND_CRLF): { runs: string[]; rest: string | undefined } {
	const splitter = new EventSplitter(delimiters);
	const runs: string[] = [];
	for (const piece of pieces) {
		const complete = splitter.push(encoder.encode(piece));
		if (complete) runs.push(decoder.decode(complete));
	}
	const rest = splitter.end();
	return { runs, rest: rest && decoder.decode(rest) };
}

describe('EventSplitter', () => {
	test.each([
		['LF framing', 'data: one\n\ndata: two\n\n: keep-alive\n\ndata: three\n\n', LF_AND_CRLF],
		['CRLF framing', 'data: one\r\n\r\ndata: two\r\n\r\n', LF_AND_CRLF],
		['CR framing', 'data: one\r\rdata: two\r\r', ['\n\n', '\r\n\r\n', '\r\r']],
		['multi-byte text', 'data: {"t":"héllo ✓ 👋"}\n\ndata: {"t":"wörld"}\n\n', LF_AND_CRLF]
	])('%s: cut anywhere, the same events come out whole, in order', (_name, stream, delimiters) => {
		const bytes = encoder.encode(stream);
		for (let cut = 1; cut < bytes.length; cut++) {
			for (const second of [cut + 1, cut + 3, bytes.length]) {
				const splitter = new EventSplitter(delimiters);
				const out: Uint8Array[] = [];
				for (const piece of [bytes.subarray(0, cut), bytes.subarray(cut, second), bytes.subarray(second)]) {
					const complete = splitter.push(piece);
					if (complete) out.push(complete);
				}
				expect(splitter.end()).toBeUndefined();
				const runs = out.map((run) => decoder.decode(run));
				expect(runs.join('')).toBe(stream);
				for (const run of runs) expect(delimiters.some((d) => run.endsWith(d))).toBe(true);
			}
		}
	});

	test('a chunk that is exactly whole events comes back as itself, not a copy', () => {
		const splitter = new EventSplitter(LF_AND_CRLF);
		const chunk = encoder.encode('data: a\n\ndata: b\n\n');
		const out = splitter.push(chunk)!;
		expect(out.buffer).toBe(chunk.buffer);
		expect([out.byteOffset, out.byteLength]).toEqual([chunk.byteOffset, chunk.byteLength]);
	});

	test('an event left without its blank line is what end() returns', () => {
		expect(split(['data: a\n\ndata: b'])).toEqual({ runs: ['data: a\n\n'], rest: 'data: b' });
		expect(split(['data: a\n\n'])).toEqual({ runs: ['data: a\n\n'], rest: undefined });
	});

	test('an event that outgrows the cap drops what was held and stops', () => {
		const splitter = new EventSplitter(LF_AND_CRLF, 100);
		expect(splitter.push(encoder.encode('data: ' + 'x'.repeat(90)))).toBeUndefined();
		expect(splitter.tooLarge).toBe(false);
		expect(splitter.push(encoder.encode('x'.repeat(20)))).toBeUndefined();
		expect(splitter.tooLarge).toBe(true);
		expect(splitter.push(encoder.encode('\n\ndata: later\n\n'))).toBeUndefined();
		expect(splitter.end()).toBeUndefined();
	});
});

describe('createBoundedParser', () => {
	test('parses as eventsource-parser does, and reports an event past the cap once, then reads nothing', () => {
		const events: string[] = [];
		let tooLarge = 0;
		const parser = createBoundedParser({ onEvent: (e) => void events.push(e.data), onTooLarge: () => void tooLarge++ });
		parser.feed('data: one\n\ndata: tw');
		parser.feed('o\n\n');
		expect(events).toEqual(['one', 'two']);
		parser.feed('data: ');
		const filler = 'y'.repeat(1 << 20);
		for (let sent = 0; sent <= MAX_EVENT_BYTES; sent += filler.length) parser.feed(filler);
		parser.feed('\n\ndata: three\n\n');
		parser.reset({ consume: true });
		expect(tooLarge).toBe(1);
		expect(events).toEqual(['one', 'two']);
	});

	test('the message names the cap', () => {
		expect(EVENT_TOO_LARGE).toBe('The upstream sent an SSE event larger than 8 MiB');
	});
});
