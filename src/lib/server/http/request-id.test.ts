import { describe, expect, test } from 'vitest';
import { firstRequestIdAt, lastRequestIdAt, newRequestId, REQUEST_ID } from './request-id';

describe('request id time bounds', () => {
	const t = Date.UTC(2026, 10, 5, 12, 30, 15, 123);

	test('every id made in a millisecond lies between that millisecond\'s bounds', () => {
		for (let i = 0; i < 200; i++) {
			const id = newRequestId(t);
			expect(id >= firstRequestIdAt(t)).toBe(true);
			expect(id <= lastRequestIdAt(t)).toBe(true);
		}
	});

	test('ids of neighbouring milliseconds fall outside', () => {
		for (let i = 0; i < 200; i++) {
			expect(newRequestId(t - 1) < firstRequestIdAt(t)).toBe(true);
			expect(newRequestId(t + 1) > lastRequestIdAt(t)).toBe(true);
		}
		expect(lastRequestIdAt(t - 1) < firstRequestIdAt(t)).toBe(true);
		expect(lastRequestIdAt(t) < firstRequestIdAt(t + 1)).toBe(true);
	});

	test('the bounds order like time across digit carries', () => {
		// 32 ms and 1024 ms are where the low base32 digits carry over.
		const points = [0, 31, 32, 33, 1023, 1024, 1025, t, t + 86_400_000, 2 ** 48 - 1];
		const firsts = points.map(firstRequestIdAt);
		expect([...firsts].sort()).toEqual(firsts);
		expect(new Set(firsts).size).toBe(points.length);
	});

	test('the last id of a millisecond is a well-formed id; the first is its time prefix', () => {
		expect(lastRequestIdAt(t)).toMatch(REQUEST_ID);
		expect(newRequestId(t).startsWith(firstRequestIdAt(t))).toBe(true);
		expect(firstRequestIdAt(t)).toHaveLength(14);
	});

	test('fractional and out-of-range times are clamped, never malformed', () => {
		expect(firstRequestIdAt(t + 0.7)).toBe(firstRequestIdAt(t));
		expect(firstRequestIdAt(-5)).toBe(firstRequestIdAt(0));
		expect(lastRequestIdAt(2 ** 60)).toMatch(REQUEST_ID);
	});
});
