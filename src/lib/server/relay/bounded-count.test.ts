import { describe, expect, test } from 'vitest';
import { pieces, RUN_LIMIT, SLICE_CHARS, TokenCounter } from './bounded-count';

/** A stand-in tokenizer: one token per 4 characters, recording what it was handed. */
function fakeTokenizer() {
	const calls: string[] = [];
	return { calls, count: (piece: string) => (calls.push(piece), Math.ceil(piece.length / 4)) };
}

const ranges = (text: string) => [...pieces(text)];

function longestRun(piece: string): number {
	let longest = 0;
	for (const run of piece.match(/\s+|\S+/gu) ?? []) longest = Math.max(longest, run.length);
	return longest;
}

describe('pieces', () => {
	test.each([
		['empty', ''],
		['short', 'Hello, world!'],
		['a long run of letters', 'x'.repeat(10 * RUN_LIMIT + 3)],
		['a long run of spaces', ' '.repeat(5 * RUN_LIMIT)],
		['prose', 'The quick brown fox jumps over the lazy dog.\n'.repeat(500)],
		['a run inside prose', `intro ${'y'.repeat(3 * RUN_LIMIT)} outro`],
		['emoji without spaces', '😀'.repeat(3 * RUN_LIMIT)]
	])('%s: covers the text in order, no run longer than the limit, no piece much longer than a slice', (_name, text) => {
		const got = ranges(text);
		expect(got.map(([from, to]) => text.slice(from, to)).join('')).toBe(text);
		for (const [i, [from, to]] of got.entries()) {
			expect(from).toBe(i === 0 ? 0 : got[i - 1]![1]);
			expect(to).toBeGreaterThan(from);
			expect(longestRun(text.slice(from, to))).toBeLessThanOrEqual(RUN_LIMIT + 1);
			expect(to - from).toBeLessThanOrEqual(SLICE_CHARS + RUN_LIMIT + 1);
		}
	});

	test('ordinary text is cut only where a run of whitespace begins', () => {
		const text = 'word '.repeat(4000);
		const got = ranges(text);
		expect(got.length).toBeGreaterThan(1);
		for (const [, to] of got.slice(0, -1)) expect(text[to]).toBe(' ');
	});

	test('a surrogate pair is never split', () => {
		for (const [from, to] of ranges('😀'.repeat(1000))) {
			expect(from % 2).toBe(0);
			expect(to % 2).toBe(0);
		}
	});
});

describe('TokenCounter', () => {
	test('counts within the budget by the tokenizer, past it from the size at the measured ratio', () => {
		const fake = fakeTokenizer();
		const counter = new TokenCounter(fake.count, { budgetChars: 1000, timeLimitMs: 1e9 });
		// 'ab ' × 1000: every piece counts 1 token per 4 characters, 3000 bytes in all.
		expect(counter.count('ab '.repeat(1000))).toBe(750);
		expect(fake.calls.join('').length).toBeLessThanOrEqual(1000 + SLICE_CHARS);
		expect(counter.exhausted).toBe(true);
		// Past the budget nothing more reaches the tokenizer.
		const before = fake.calls.length;
		expect(counter.count('cd '.repeat(400))).toBe(300);
		expect(fake.calls.length).toBe(before);
	});

	test('stops tokenizing once its time is spent', () => {
		const fake = fakeTokenizer();
		let clock = 0;
		const slowCount = (piece: string) => ((clock += 10), fake.count(piece));
		const counter = new TokenCounter(slowCount, { budgetChars: 1e9, timeLimitMs: 25 }, () => clock);
		const total = counter.count('x'.repeat(100 * RUN_LIMIT));
		expect(fake.calls).toHaveLength(3); // 10 ms each: the third call spends the 25 ms
		expect(total).toBe(100 * RUN_LIMIT / 4);
	});

	test('bytes alone are counted at the measured ratio, or at 4 bytes a token before any text', () => {
		const counter = new TokenCounter(() => 1);
		expect(counter.countBytes(400)).toBe(100);
		expect(counter.countBytes(0)).toBe(0);
		counter.count('abcdefgh'); // one token for 8 bytes
		expect(counter.countBytes(400)).toBe(50);
	});

	test('countEach sums the texts and pauses between steps once it has worked a while', async () => {
		const fake = fakeTokenizer();
		let clock = 0;
		const counter = new TokenCounter((piece) => ((clock += 3), fake.count(piece)), { budgetChars: 1e9, timeLimitMs: 1e9 }, () => clock);
		let pauses = 0;
		const texts = ['x'.repeat(10 * RUN_LIMIT), 'hi', ''];
		const total = await counter.countEach(texts, async () => void pauses++);
		expect(total).toBe((10 * RUN_LIMIT) / 4 + 1);
		expect(pauses).toBe(5); // 11 calls of 3 ms, a pause after every 4 ms or more
	});
});
