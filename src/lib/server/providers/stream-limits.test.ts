import { describe, expect, test, vi } from 'vitest';
import { messagesDoor } from '../doors/messages';
import { renderedStream } from '../relay/render-stream';
import { anthropicAdaptor } from './anthropic';
import { azureAdaptor } from './azure';
import { geminiAdaptor } from './gemini';
import { openaiAdaptor } from './openai';
import { EVENT_TOO_LARGE, MAX_EVENT_BYTES } from './sse-framing';
import { TALLY_CHARS } from './text-tally';
import type { Door, StreamTranslator } from './types';
import { workersAiAdaptor } from './workers-ai';

/*
 * What every stream translator owes the relay, however the upstream misbehaves: the text it
 * keeps for counting tokens is bounded (the rest is reported by size), and an event that
 * never ends within MAX_EVENT_BYTES fails the stream instead of growing without limit.
 */

const encoder = new TextEncoder();
const options = (door: Door) => ({ publicModel: 'm', clientWantsUsage: false, door });
const json = (value: unknown) => JSON.stringify(value);
const chunk = (content: string) => `data: ${json({ id: 'c1', object: 'chat.completion.chunk', created: 1, model: 'm', choices: [{ index: 0, delta: { content } }] })}\n\n`;
const anthropic = (type: string, data: Record<string, unknown>) => `event: ${type}\ndata: ${json({ type, ...data })}\n\n`;

interface Protocol {
	make(): StreamTranslator;
	/** Events that commit the stream (their text, if any, is `openText`). */
	open: string;
	openText: string;
	/** An event adding `text` to the answer. */
	delta(text: string): string;
	/** The start of an event whose end never comes. */
	unfinished: string;
}

const openaiChunks = { open: chunk(''), openText: '', delta: chunk, unfinished: 'data: {"choices":[{"index":0,"delta":{"content":"' };
const anthropicEvents = {
	open:
		anthropic('message_start', { message: { id: 'msg_1', type: 'message', role: 'assistant', model: 'claude', content: [] } }) +
		anthropic('content_block_start', { index: 0, content_block: { type: 'text', text: '' } }),
	openText: '',
	delta: (text: string) => anthropic('content_block_delta', { index: 0, delta: { type: 'text_delta', text } }),
	unfinished: 'event: content_block_delta\ndata: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"'
};

const STREAM_PROTOCOLS: Record<string, Protocol> = {
	'openai (bytes passed through)': { make: () => openaiAdaptor.createStreamTranslator(options('chat')), ...openaiChunks },
	azure: { make: () => azureAdaptor.createStreamTranslator(options('chat')), ...openaiChunks },
	'workers-ai': { make: () => workersAiAdaptor.createStreamTranslator(options('chat')), ...openaiChunks },
	'anthropic, converted': { make: () => anthropicAdaptor.createStreamTranslator(options('chat')), ...anthropicEvents },
	'anthropic, passed through': { make: () => anthropicAdaptor.createStreamTranslator(options('messages')), ...anthropicEvents },
	gemini: {
		make: () => geminiAdaptor.createStreamTranslator(options('chat')),
		open: `data: ${json({ responseId: 'r1', candidates: [{ index: 0, content: { role: 'model', parts: [{ text: 'Hi' }] } }] })}\n\n`,
		openText: 'Hi',
		delta: (text) => `data: ${json({ candidates: [{ index: 0, content: { role: 'model', parts: [{ text }] } }] })}\n\n`,
		unfinished: 'data: {"candidates":[{"index":0,"content":{"role":"model","parts":[{"text":"'
	},
	'responses, passed through': {
		make: () => openaiAdaptor.createStreamTranslator(options('responses')),
		open: `event: response.created\ndata: ${json({ type: 'response.created', response: { id: 'resp_1', model: 'm', output: [] } })}\n\n`,
		openText: '',
		delta: (delta) => `event: response.output_text.delta\ndata: ${json({ type: 'response.output_text.delta', delta })}\n\n`,
		unfinished: 'event: response.output_text.delta\ndata: {"type":"response.output_text.delta","delta":"'
	},
	'messages door over openai (rendered)': {
		make: () =>
			renderedStream(openaiAdaptor, options('chat'), messagesDoor.createStreamRenderer({ publicModel: 'm', requestId: 'req_1', request: {} })),
		...openaiChunks
	}
};

const isEmpty = (out: Uint8Array | string) => out.length === 0;

/** Starts an event that never ends and sends more of it than the cap; every push must send nothing. */
function overflow(t: StreamTranslator, unfinished: string): void {
	expect(isEmpty(t.push(encoder.encode(unfinished)))).toBe(true);
	const filler = encoder.encode('a'.repeat(64 * 1024));
	for (let sent = 0; sent <= MAX_EVENT_BYTES; sent += filler.length) expect(isEmpty(t.push(filler))).toBe(true);
}

describe.each(Object.entries(STREAM_PROTOCOLS))('%s', (_name, protocol) => {
	test('a long answer without usage: the kept text is capped, the rest is reported by its size', () => {
		const t = protocol.make();
		t.push(encoder.encode(protocol.open));
		const piece = 'All work and no play makes a dull stream. '.repeat(100); // 4,200 characters
		const pieces = Math.ceil((2.5 * TALLY_CHARS) / piece.length);
		for (let i = 0; i < pieces; i++) t.push(encoder.encode(protocol.delta(piece)));
		const produced = t.producedText();
		const all = protocol.openText + piece.repeat(pieces);
		expect(produced.text.length).toBeLessThanOrEqual(TALLY_CHARS);
		expect(all.startsWith(produced.text)).toBe(true);
		expect(t.outputText()).toBe(produced.text);
		// Everything is accounted for: what is kept, and the size of the rest (estimated from
		// the events' size where only that was kept, so within a few bytes a megabyte).
		const reported = Buffer.byteLength(produced.text) + produced.beyondBytes;
		expect(Math.abs(reported / Buffer.byteLength(all) - 1)).toBeLessThan(0.001);
	});

	test('an event that does not end within the cap fails the stream before the commit, sending nothing', () => {
		const t = protocol.make();
		overflow(t, protocol.unfinished);
		expect(t.state).toBe('rejected');
		expect(t.rejection()).toBe(EVENT_TOO_LARGE);
	});

	test('after the commit, such an event is an in-band error, and nothing of it goes out', () => {
		const t = protocol.make();
		t.push(encoder.encode(protocol.open + protocol.delta('Hello')));
		expect(t.state).toBe('committed');
		overflow(t, protocol.unfinished);
		expect(t.state).toBe('committed');
		expect(t.error()).toBe(EVENT_TOO_LARGE);
	});

	test('an event just under the cap, in many small chunks, is read whole', () => {
		const t = protocol.make();
		t.push(encoder.encode(protocol.open));
		const big = 'b'.repeat(MAX_EVENT_BYTES - 64 * 1024);
		const event = encoder.encode(protocol.delta(big));
		// Concatenating the held bytes for every chunk (the old way) copies gigabytes here.
		const concat = vi.spyOn(Buffer, 'concat');
		const started = performance.now();
		for (let i = 0; i < event.length; i += 4096) t.push(event.subarray(i, i + 4096));
		const copied = concat.mock.calls.reduce((sum, [list]) => sum + list.reduce((n, b) => n + b.length, 0), 0);
		concat.mockRestore();
		expect(copied).toBeLessThan(4 * event.length);
		expect(performance.now() - started).toBeLessThan(5000); // seconds at most on a busy machine; minutes the old way
		expect(t.error()).toBeUndefined();
		expect(t.producedText().text.length + t.producedText().beyondBytes).toBeGreaterThanOrEqual(big.length);
	});
});

describe('a door rendering an OpenAI stream', () => {
	test('reads a chunk of many events in one pass', () => {
		const t = STREAM_PROTOCOLS['messages door over openai (rendered)']!.make();
		const events = Array.from({ length: 40_000 }, (_, i) => chunk(`w${i} `)).join('');
		const started = performance.now();
		const out = t.push(encoder.encode(chunk('') + events));
		// Looking for the next event's end from the start of what is left, for every event, took
		// 40 s here; in one pass it is well under a second (10 s leaves room for a busy machine).
		expect(performance.now() - started).toBeLessThan(10_000);
		expect(String(out).match(/event: content_block_delta/g)).toHaveLength(40_000);
	});
});
