import { describe, expect, test } from 'vitest';
import { MAX_JSON_DEPTH, exceedsJsonDepth } from './json-depth';

/** `levels` arrays inside one another, the innermost holding `inner`. */
function nestedArrays(levels: number, inner: unknown = 1): unknown {
	let value = inner;
	for (let i = 0; i < levels; i++) value = [value];
	return value;
}

describe('exceedsJsonDepth', () => {
	test('scalars and flat values are never too deep', () => {
		for (const v of [null, 1, 'text', true, {}, [], { a: 1, b: [1, 2] }]) expect(exceedsJsonDepth(v, 2)).toBe(false);
	});

	test('the limit counts objects and arrays alike, the outermost being level 1', () => {
		const mixed = { a: [{ b: [1] }] }; // 4 levels
		expect(exceedsJsonDepth(mixed, 4)).toBe(false);
		expect(exceedsJsonDepth(mixed, 3)).toBe(true);
		expect(exceedsJsonDepth(nestedArrays(MAX_JSON_DEPTH))).toBe(false);
		expect(exceedsJsonDepth(nestedArrays(MAX_JSON_DEPTH + 1))).toBe(true);
	});

	test('one deep branch among shallow siblings is found', () => {
		const wide = { shallow: Array.from({ length: 1000 }, (_, i) => ({ i })), deep: nestedArrays(10) };
		expect(exceedsJsonDepth(wide, 10)).toBe(true);
		expect(exceedsJsonDepth(wide, 11)).toBe(false);
	});

	test('a value far too deep for recursion is measured without overflowing the stack', () => {
		const deep = JSON.parse(`${'['.repeat(200_000)}${']'.repeat(200_000)}`) as unknown;
		expect(exceedsJsonDepth(deep)).toBe(true);
	});
});
