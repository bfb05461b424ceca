import { describe, expect, test } from 'vitest';
import type { ChatChunk } from '../../protocol/canonical';
import { ChatSseTranslator } from '../../protocol/chat-sse';
import { EVENT_TOO_LARGE, MAX_EVENT_BYTES } from '../sse-framing';
import { createSseTranslator, type SseEventMapping } from './sse-translator';

const encoder = new TextEncoder();
const bytes = (text: string) => encoder.encode(text);

const chunkOf = (content: string): ChatChunk => ({ id: 'c1', object: 'chat.completion.chunk', created: 1, model: 'm', choices: [{ index: 0, delta: { content }, finish_reason: null }] });

/** A mapping for events `{"text":…}`, `{"fail":…}`, `{"usage":n}` and `end`. */
function echo(extra: Partial<SseEventMapping> = {}) {
	const seen: string[] = [];
	const translator = createSseTranslator((ctx) => ({
		...extra,
		event(data, name) {
			seen.push(name ? `${name}:${data}` : data);
			if (data === 'end') return ctx.finish();
			const value = JSON.parse(data) as { text?: string; fail?: string; usage?: number };
			if (value.fail !== undefined) return ctx.refuse(value.fail);
			if (value.usage !== undefined) ctx.setUsage({ inputUncached: value.usage, cacheRead: 0, cacheWrite: 0, output: 0, reasoning: 0 });
			if (value.text !== undefined) {
				ctx.commit();
				ctx.tally(value.text);
				ctx.emit(chunkOf(value.text));
			}
		}
	}));
	return { translator, seen };
}

describe('createSseTranslator', () => {
	test('frames events across any cut, commits on the first answer and hands out the chunks as objects', () => {
		const { translator: t, seen } = echo();
		expect(t.state).toBe('waiting');
		expect(t.push(bytes('event: delta\ndata: {"te'))).toEqual([]);
		const out = t.push(bytes('xt":"hé"}\n\ndata: {"text":"!"}\n\n'));
		expect(out).toEqual([chunkOf('hé'), chunkOf('!')]);
		expect(seen).toEqual(['delta:{"text":"hé"}', '{"text":"!"}']);
		expect(t.state).toBe('committed');
		expect(t.outputText()).toBe('hé!');
		expect(t.producedText()).toEqual({ text: 'hé!', beyondBytes: 0 });
	});

	test('a multi-byte character split between chunks survives', () => {
		const { translator: t } = echo();
		const all = bytes('data: {"text":"é"}\n\n');
		const at = all.indexOf(0xc3) + 1;
		expect(t.push(all.subarray(0, at))).toEqual([]);
		expect(t.push(all.subarray(at))).toEqual([chunkOf('é')]);
	});

	test('a refusal before the commit rejects the stream, and nothing after it is read', () => {
		const { translator: t, seen } = echo();
		t.push(bytes('data: {"fail":"no"}\n\ndata: {"text":"late"}\n\n'));
		expect(t.state).toBe('rejected');
		expect(t.rejection()).toBe('no');
		expect(t.error()).toBeUndefined();
		expect(seen).toEqual(['{"fail":"no"}']);
	});

	test('a refusal after the commit is an in-band error, the first one counts, and reading stops', () => {
		const { translator: t, seen } = echo();
		t.push(bytes('data: {"text":"a"}\n\n'));
		expect(t.push(bytes('data: {"fail":"broke"}\n\ndata: {"fail":"again"}\n\ndata: {"text":"b"}\n\n'))).toEqual([]);
		expect(t.state).toBe('committed');
		expect(t.error()).toBe('broke');
		expect(seen).toHaveLength(2);
	});

	test('the end marker closes the stream: later events are not read', () => {
		const { translator: t, seen } = echo();
		t.push(bytes('data: {"text":"a"}\n\ndata: end\n\ndata: {"text":"b"}\n\n'));
		expect(t.done()).toBe(true);
		expect(seen).toEqual(['{"text":"a"}', 'end']);
	});

	test('usage is whatever the mapping last reported', () => {
		const { translator: t } = echo();
		expect(t.usage()).toBeUndefined();
		t.push(bytes('data: {"usage":3}\n\ndata: {"usage":5}\n\n'));
		expect(t.usage()?.inputUncached).toBe(5);
	});

	test('comments are handed on as text unless the mapping drops them', () => {
		expect(echo().translator.push(bytes(': keep-alive\n\n'))).toEqual(['keep-alive']);
		expect(echo({ dropComments: true }).translator.push(bytes(': keep-alive\n\n'))).toEqual([]);
	});

	test('a last event without its blank line is read at the end, unless the mapping drops it', () => {
		const read = echo();
		read.translator.push(bytes('data: {"text":"a"}\n\ndata: {"text":"b"}'));
		expect(read.translator.end()).toEqual([chunkOf('b')]);
		const dropped = echo({ unterminatedLastEvent: 'dropped' });
		dropped.translator.push(bytes('data: {"text":"a"}\n\ndata: {"text":"b"}\n'));
		expect(dropped.translator.end()).toEqual([]);
	});

	test("the mapping's end runs once the body ends, unless the stream is closed", () => {
		let ends = 0;
		const open = echo({ end: () => void ends++ });
		open.translator.push(bytes('data: {"text":"a"}\n\n'));
		open.translator.end();
		expect(ends).toBe(1);
		const closed = echo({ end: () => void ends++ });
		closed.translator.push(bytes('data: {"text":"a"}\n\ndata: end\n\n'));
		closed.translator.end();
		expect(ends).toBe(1);
	});

	test('an event past the size cap rejects the stream before the commit and is an error after it', () => {
		const before = echo().translator;
		before.push(bytes('data: ' + 'x'.repeat(MAX_EVENT_BYTES + 1)));
		expect(before.state).toBe('rejected');
		expect(before.rejection()).toBe(EVENT_TOO_LARGE);
		const after = echo().translator;
		after.push(bytes('data: {"text":"a"}\n\n'));
		expect(after.push(bytes('data: ' + 'x'.repeat(MAX_EVENT_BYTES + 1)))).toEqual([]);
		expect(after.error()).toBe(EVENT_TOO_LARGE);
	});

	test('a push that completes nothing allocates no array', () => {
		const { translator: t } = echo();
		expect(t.push(bytes('data: {'))).toBe(t.push(bytes('"te')));
	});
});

describe('ChatSseTranslator', () => {
	test('writes each chunk as its data event, comments as they came, and [DONE] once the end marker went through', () => {
		const { translator } = echo();
		const t = new ChatSseTranslator(translator);
		expect(t.push(bytes(': ping\n\ndata: {"text":"a"}\n\n'))).toBe(`: ping\n\ndata: ${JSON.stringify(chunkOf('a'))}\n\n`);
		expect(t.done()).toBe(false);
		expect(t.push(bytes('data: {"text":"b"}\n\ndata: end\n\n'))).toBe(`data: ${JSON.stringify(chunkOf('b'))}\n\ndata: [DONE]\n\n`);
		expect(t.done()).toBe(true);
		expect(t.end()).toBe('');
		expect(t.outputText()).toBe('ab');
	});

	test('passes the bookkeeping of its source through', () => {
		const { translator } = echo();
		const t = new ChatSseTranslator(translator);
		t.push(bytes('data: {"fail":"nope"}\n\n'));
		expect(t.state).toBe('rejected');
		expect(t.rejection()).toBe('nope');
	});
});
