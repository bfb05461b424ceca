import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import type { StreamTranslator } from '../types';
import { createResponsesPassthroughTranslator, finishResponsesPassthrough } from './responses-passthrough';

const fixture = (name: string) => readFileSync(join(import.meta.dirname, 'fixtures', name), 'utf8');
const options = { publicModel: 'gpt-5-codex', clientWantsUsage: false, door: 'responses' as const };
const encoder = new TextEncoder();

/** Feeds `text` in pieces of `size` bytes (0 = whole), returning the translator and everything it sent. */
function feed(text: string, size: number): { t: StreamTranslator; out: string } {
	const t = createResponsesPassthroughTranslator(options);
	const bytes = encoder.encode(text);
	const decoder = new TextDecoder();
	let out = '';
	const step = size || bytes.length;
	for (let i = 0; i < bytes.length; i += step) {
		const piece = t.push(bytes.subarray(i, i + step));
		out += typeof piece === 'string' ? piece : decoder.decode(piece, { stream: true });
	}
	const rest = t.end();
	out += typeof rest === 'string' ? rest : decoder.decode(rest);
	return { t, out };
}

describe('Responses passthrough stream', () => {
	const sse = fixture('responses-stream.sse');

	test('forwarded unchanged except the model name; usage, done and text read', () => {
		const { t, out } = feed(sse, 0);
		expect(out).toBe(sse.replaceAll('"model":"gpt-5-codex-2025-09-15"', '"model":"gpt-5-codex"'));
		expect(t.state).toBe('committed');
		expect(t.done()).toBe(true);
		expect(t.error()).toBeUndefined();
		expect(t.usage()).toEqual({ inputUncached: 476, cacheRead: 1024, cacheWrite: 0, output: 300, reasoning: 256 });
		expect(t.outputText()).toBe('Hello there');
	});

	test('the same output whatever the chunk split (byte by byte, 7-byte pieces, a multi-byte character split)', () => {
		const whole = feed(sse, 0).out;
		expect(feed(sse, 1).out).toBe(whole);
		expect(feed(sse, 7).out).toBe(whole);
		const accented = sse.replace('Hello there', 'Héllo thère ✓');
		expect(feed(accented, 3).out).toBe(feed(accented, 0).out);
	});

	test('commits on the first event only; before it nothing is sent', () => {
		const t = createResponsesPassthroughTranslator(options);
		expect(t.push(encoder.encode(sse.slice(0, 40)))).toBe('');
		expect(t.state).toBe('waiting');
		expect(t.push(encoder.encode(sse.slice(40, sse.indexOf('\n\n') + 2)))).toContain('response.created');
		expect(t.state).toBe('committed');
	});

	test('an error as the first event rejects the stream', () => {
		const { t, out } = feed('event: error\ndata: {"type":"error","code":"rate_limit_exceeded","message":"Slow down","param":null}\n\n', 0);
		expect(out).toBe('');
		expect(t.state).toBe('rejected');
		expect(t.rejection()).toBe('Slow down');
	});

	test('response.failed after the start: not forwarded, reported as error, stream done', () => {
		const head = sse.slice(0, sse.indexOf('event: response.output_item.added'));
		const failed =
			'event: response.failed\ndata: {"type":"response.failed","sequence_number":2,"response":{"id":"resp_up1","status":"failed","model":"gpt-5-codex-2025-09-15","error":{"code":"server_error","message":"The model crashed"},"usage":null}}\n\n';
		const { t, out } = feed(head + failed, 5);
		expect(out).not.toContain('response.failed');
		expect(t.error()).toBe('The model crashed');
		expect(t.done()).toBe(true);
	});

	test('an error event mid-stream is held back; the stream is not done', () => {
		const head = sse.slice(0, sse.indexOf('event: response.output_item.added'));
		const { t, out } = feed(head + 'event: error\ndata: {"type":"error","sequence_number":2,"code":"server_error","message":"boom","param":null}\n\n', 0);
		expect(out).not.toContain('boom');
		expect(t.error()).toBe('boom');
		expect(t.done()).toBe(false);
	});

	test('a last event without its blank line is delivered at end()', () => {
		const { t, out } = feed(sse.trimEnd(), 0);
		expect(out).toBe(feed(sse, 0).out);
		expect(t.done()).toBe(true);
	});
});

describe('Responses passthrough, non-stream', () => {
	test('model swapped in the text, usage and text read', () => {
		const text = fixture('responses-answer.json');
		const finished = finishResponsesPassthrough(text, 'gpt-5-codex');
		expect(finished.body).toBe(text.replace('"model": "gpt-5-codex-2025-09-15"', '"model":"gpt-5-codex"'));
		expect(JSON.parse(finished.body).model).toBe('gpt-5-codex');
		expect(finished.usage).toEqual({ inputUncached: 192, cacheRead: 128, cacheWrite: 0, output: 48, reasoning: 20 });
		expect(finished.outputText).toBe('Done.{"command":["ls"]}');
	});

	test('not JSON: refused', () => {
		expect(() => finishResponsesPassthrough('<html>', 'm')).toThrow(/not a JSON object/);
	});
});
