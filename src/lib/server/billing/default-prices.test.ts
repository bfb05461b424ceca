import { describe, expect, test } from 'vitest';
import { priceUpsert } from '../../schemas/admin';
import { DEFAULT_PRICES, defaultPriceRows, ratiosFromUsd, sourceNote } from './default-prices';

describe('ratiosFromUsd', () => {
	test('USD 2.50 in / 10.00 out per million is model ratio 1.25, completion ratio 4', () => {
		expect(ratiosFromUsd({ input: 2.5, output: 10 })).toEqual({ modelRatio: 1.25, completionRatio: 4, cacheReadRatio: null, cacheWriteRatio: null });
	});

	test('cache prices become ratios of the input price', () => {
		// Anthropic Sonnet-class: 3 in, 15 out, 0.30 cache hit, 3.75 five-minute write.
		expect(ratiosFromUsd({ input: 3, output: 15, cachedInput: 0.3, cacheWrite: 3.75 })).toEqual({
			modelRatio: 1.5,
			completionRatio: 5,
			cacheReadRatio: 0.1,
			cacheWriteRatio: 1.25
		});
	});

	test('float noise from division is dropped', () => {
		const r = ratiosFromUsd({ input: 0.15, output: 0.6, cachedInput: 0.075 });
		expect(r).toEqual({ modelRatio: 0.075, completionRatio: 4, cacheReadRatio: 0.5, cacheWriteRatio: null });
		expect(ratiosFromUsd({ input: 1.1, output: 4.4 }).completionRatio).toBe(4);
	});

	test('a model without output tokens keeps completion ratio 1', () => {
		expect(ratiosFromUsd({ input: 0.02, output: null })).toMatchObject({ modelRatio: 0.01, completionRatio: 1 });
	});

	test('refuses negative or non-finite prices, and ratios of a zero input price', () => {
		expect(() => ratiosFromUsd({ input: -1, output: 1 })).toThrow(RangeError);
		expect(() => ratiosFromUsd({ input: 1, output: Number.NaN })).toThrow(/output/);
		expect(() => ratiosFromUsd({ input: 0, output: 1 })).toThrow(/zero input price/);
		expect(ratiosFromUsd({ input: 0, output: 0 })).toEqual({ modelRatio: 0, completionRatio: 0, cacheReadRatio: null, cacheWriteRatio: null });
	});
});

describe('the default table', () => {
	test('has one row per model, every row valid for the price table', () => {
		const rows = defaultPriceRows();
		expect(new Set(rows.map((r) => r.model)).size).toBe(rows.length);
		for (const row of rows) expect(priceUpsert.safeParse(row).success, row.model).toBe(true);
	});

	test('covers the models the gateway is expected to price out of the box', () => {
		const models = DEFAULT_PRICES.map((r) => r.model);
		for (const m of ['gpt-4o', 'gpt-4o-mini', 'gpt-4.1', 'gpt-5', 'o3', 'o4-mini', 'claude-sonnet-4-5', 'claude-opus-4-1', 'claude-haiku-4-5', 'gemini-2.5-pro', 'gemini-2.5-flash-lite', 'deepseek-chat', 'deepseek-reasoner', 'text-embedding-3-small', 'text-embedding-ada-002', 'gemini-embedding-001']) {
			expect(models).toContain(m);
		}
	});

	test('every row names a dated source, and says when it is unverified', () => {
		for (const row of DEFAULT_PRICES) {
			expect(row.source).toMatch(/^https:\/\//);
			expect(row.checked).toMatch(/^\d{4}-\d{2}-\d{2}$/);
		}
		expect(sourceNote({ source: 'https://x.example/p', checked: '2026-11-28', verified: true })).toBe('https://x.example/p (checked 2026-11-28)');
		expect(sourceNote({ source: 'https://x.example/p', checked: '2026-11-28', verified: false })).toBe('unverified: https://x.example/p (2026-11-28)');
	});

	test('rows read like the price page: gpt-4o and claude-opus-4-1', () => {
		const byModel = new Map(defaultPriceRows().map((r) => [r.model, r]));
		expect(byModel.get('gpt-4o')).toMatchObject({ modelRatio: 1.25, completionRatio: 4, cacheReadRatio: 0.5, cacheWriteRatio: null, defaultOutputReserve: 4096 });
		expect(byModel.get('claude-opus-4-1')).toMatchObject({ modelRatio: 7.5, completionRatio: 5, cacheReadRatio: 0.1, cacheWriteRatio: 1.25 });
		expect(byModel.get('claude-opus-4-1')?.source).toMatch(/^https:\/\/platform\.claude\.com\/.* \(checked \d{4}-\d{2}-\d{2}\)$/);
		expect(byModel.get('text-embedding-3-small')).toMatchObject({ modelRatio: 0.01, defaultOutputReserve: 1 });
	});
});
