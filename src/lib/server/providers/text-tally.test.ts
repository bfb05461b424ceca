import { describe, expect, test } from 'vitest';
import { TALLY_CHARS, TextTally } from './text-tally';

describe('TextTally', () => {
	test('keeps text up to its cap, then only the UTF-8 size of the rest', () => {
		const tally = new TextTally(10);
		tally.add('Hello');
		tally.add('');
		tally.add(', wo');
		tally.add('rld ✓'); // would pass the cap: from here on, sizes only
		tally.add('!');
		expect(tally.produced()).toEqual({ text: 'Hello, wo', beyondBytes: Buffer.byteLength('rld ✓!') });
		expect(tally.text()).toBe('Hello, wo');
	});

	test('32 MB of deltas: at most the cap is kept, the rest is a number', () => {
		const tally = new TextTally();
		const delta = 'lorem ipsum dolor sit amet, '.repeat(36); // 1,008 bytes
		const deltas = Math.ceil((32 * 1024 * 1024) / delta.length);
		for (let i = 0; i < deltas; i++) tally.add(delta);
		const { text, beyondBytes } = tally.produced();
		expect(text.length).toBeLessThanOrEqual(TALLY_CHARS);
		expect(text.length + beyondBytes).toBe(deltas * delta.length);
	});
});
