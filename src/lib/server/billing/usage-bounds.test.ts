import { describe, expect, test } from 'vitest';
import type { NormalizedUsage } from '../providers/types';
import type { PriceState } from '../state/snapshot';
import { costOf } from './pricing';
import { MAX_COST_PER_CALL, MAX_TOKENS_PER_CALL, boundedCharge } from './usage-bounds';

const usage = (over: Partial<NormalizedUsage> = {}): NormalizedUsage => ({ inputUncached: 10, cacheRead: 0, cacheWrite: 0, output: 5, reasoning: 0, ...over });

function price(over: Partial<PriceState> = {}): PriceState {
	return { model: 'm', modelRatio: 1, completionRatio: 2, cacheReadRatio: null, cacheWriteRatio: null, pricePerRequestUsd: null, defaultOutputReserve: 4096, ...over };
}

const atRatio1 = (u: NormalizedUsage) => costOf({ price: price(), groupRatio: 1 }, u);

describe('boundedCharge', () => {
	test('usage within bounds is billed as reported, unflagged, and the same object is kept', () => {
		const u = usage({ cacheRead: 3, reasoning: 2 });
		const charge = boundedCharge(u, atRatio1);
		expect(charge).toEqual({ usage: u, cost: 10 + 3 + 5 * 2, clamped: false });
		expect(charge.usage).toBe(u);
		expect(boundedCharge(usage({ inputUncached: MAX_TOKENS_PER_CALL }), atRatio1).clamped).toBe(false);
	});

	test('three billion prompt tokens are billed at the per-field ceiling and flagged', () => {
		const charge = boundedCharge(usage({ inputUncached: 3_000_000_000 }), atRatio1);
		expect(charge.usage.inputUncached).toBe(MAX_TOKENS_PER_CALL);
		expect(charge.cost).toBe(MAX_TOKENS_PER_CALL + 5 * 2);
		expect(charge.clamped).toBe(true);
	});

	test.each([
		['NaN', Number.NaN, 0],
		['negative', -7, 0],
		['fraction', 12.9, 12],
		['Infinity', Number.POSITIVE_INFINITY, MAX_TOKENS_PER_CALL],
		['beyond 2^53', 2 ** 60, MAX_TOKENS_PER_CALL],
		['a string', '1200' as unknown as number, 0],
		['null', null as unknown as number, 0]
	])('%s becomes %s → a bounded count, flagged, never a throw', (_, value, expected) => {
		for (const field of ['inputUncached', 'cacheRead', 'cacheWrite', 'output'] as const) {
			const charge = boundedCharge(usage({ [field]: value }), atRatio1);
			expect(charge.usage[field]).toBe(expected);
			expect(Number.isSafeInteger(charge.cost)).toBe(true);
			expect(charge.clamped).toBe(true);
		}
	});

	test('reasoning never exceeds output', () => {
		const charge = boundedCharge(usage({ output: 5, reasoning: 9 }), atRatio1);
		expect(charge.usage).toMatchObject({ output: 5, reasoning: 5 });
		expect(charge.clamped).toBe(true);
	});

	test('usage a provider marked malformed is flagged even when its numbers look fine, and loses the mark', () => {
		const charge = boundedCharge(usage({ malformed: true }), atRatio1);
		expect(charge.clamped).toBe(true);
		expect(charge.usage).toEqual(usage());
	});

	test('the price sees the bounded usage', () => {
		const seen: NormalizedUsage[] = [];
		boundedCharge(usage({ output: Number.POSITIVE_INFINITY }), (u) => {
			seen.push(u);
			return 1;
		});
		expect(seen).toEqual([usage({ output: MAX_TOKENS_PER_CALL })]);
	});

	test('a cost above the ceiling (an extreme price on bounded usage) is billed at the ceiling and flagged', () => {
		const maxed = usage({ inputUncached: MAX_TOKENS_PER_CALL, output: MAX_TOKENS_PER_CALL });
		const extreme = (u: NormalizedUsage) => costOf({ price: price({ modelRatio: 100_000, completionRatio: 1000 }), groupRatio: 1000 }, u);
		expect(extreme(maxed)).toBeGreaterThan(Number.MAX_SAFE_INTEGER);
		expect(boundedCharge(maxed, extreme)).toMatchObject({ cost: MAX_COST_PER_CALL, clamped: true });
		expect(boundedCharge(usage(), () => MAX_COST_PER_CALL)).toMatchObject({ cost: MAX_COST_PER_CALL, clamped: false });
	});

	test.each([
		['NaN', Number.NaN, 0],
		['Infinity', Number.POSITIVE_INFINITY, MAX_COST_PER_CALL],
		['negative', -5, 0],
		['fraction', 7.6, 8]
	])('a %s cost is billed %s and flagged', (_, raw, expected) => {
		expect(boundedCharge(usage(), () => raw)).toMatchObject({ cost: expected, clamped: true });
	});

	test('ceilings fit every column they are written to and stay exact in JavaScript', () => {
		expect(3 * MAX_TOKENS_PER_CALL).toBeLessThan(2 ** 31); // prompt = uncached + cache read + cache write
		expect(Number.isSafeInteger(MAX_COST_PER_CALL)).toBe(true);
		expect(MAX_COST_PER_CALL).toBe(100_000 * 500_000);
	});
});
