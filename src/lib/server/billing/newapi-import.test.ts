import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { NewApiImportError, parseNewApiOptions } from './newapi-import';

const fixture = (name: string): unknown => JSON.parse(readFileSync(join(import.meta.dirname, 'fixtures', name), 'utf8'));

function failure(input: unknown): NewApiImportError {
	try {
		parseNewApiOptions(input);
	} catch (err) {
		if (err instanceof NewApiImportError) return err;
		throw err;
	}
	throw new Error('expected the import to be refused');
}

describe('parseNewApiOptions', () => {
	test('reads an export whose options are JSON strings, as New-API stores them', () => {
		const { prices, groups } = parseNewApiOptions(fixture('newapi-options.json'));
		expect(prices).toEqual([
			{ model: 'claude-sonnet-4-5', modelRatio: 1.5, completionRatio: 5, cacheReadRatio: 0.1, cacheWriteRatio: 1.25, pricePerRequestUsd: null },
			// Only in ModelPrice: billed per call, no token formula.
			{ model: 'dall-e-3', modelRatio: 0, completionRatio: 1, cacheReadRatio: null, cacheWriteRatio: null, pricePerRequestUsd: 0.04 },
			{ model: 'gpt-4o', modelRatio: 1.25, completionRatio: 4, cacheReadRatio: 0.5, cacheWriteRatio: null, pricePerRequestUsd: 0.01 },
			{ model: 'gpt-4o-mini', modelRatio: 0.075, completionRatio: 4, cacheReadRatio: null, cacheWriteRatio: null, pricePerRequestUsd: null },
			// No completion ratio given: 1.
			{ model: 'text-embedding-3-small', modelRatio: 0.01, completionRatio: 1, cacheReadRatio: null, cacheWriteRatio: null, pricePerRequestUsd: null }
		]);
		expect(groups).toEqual([
			{ name: 'default', ratio: 1 },
			{ name: 'svip', ratio: 0.6 },
			{ name: 'vip', ratio: 0.8 }
		]);
	});

	test('takes plain objects too, and an empty string as an empty option', () => {
		const { prices, groups } = parseNewApiOptions(fixture('newapi-options-objects.json'));
		expect(prices.map((p) => [p.model, p.modelRatio, p.completionRatio])).toEqual([
			['deepseek-chat', 0.14, 1.5],
			['gemini-2.5-flash', 0.15, 1]
		]);
		expect(groups).toEqual([{ name: 'default', ratio: 1 }]);
	});

	test('groups alone are a valid import', () => {
		expect(parseNewApiOptions({ GroupRatio: '{"vip":0.5}' })).toEqual({ prices: [], groups: [{ name: 'vip', ratio: 0.5 }] });
	});

	test.each([
		[{ ModelRatio: { 'gpt-4o': 'cheap' } }, 'ModelRatio.gpt-4o', 'ModelRatio["gpt-4o"]: expected a non-negative number, got "cheap"'],
		[{ ModelRatio: { 'gpt-4o': -1 } }, 'ModelRatio.gpt-4o', 'ModelRatio["gpt-4o"]: expected a non-negative number, got -1'],
		[{ ModelRatio: { 'gpt-4o': Number.NaN } }, 'ModelRatio.gpt-4o', 'ModelRatio["gpt-4o"]: expected a non-negative number, got NaN'],
		[{ ModelRatio: { 'gpt-4o': null } }, 'ModelRatio.gpt-4o', 'ModelRatio["gpt-4o"]: expected a non-negative number, got null'],
		[{ ModelRatio: '{"gpt-4o": "1"}' }, 'ModelRatio.gpt-4o', 'ModelRatio["gpt-4o"]: expected a non-negative number, got "1"'],
		[{ ModelRatio: { 'gpt-4o': 1e9 } }, 'ModelRatio.gpt-4o', 'ModelRatio["gpt-4o"]: at most 100000, got 1000000000'],
		[{ GroupRatio: { vip: 5000 } }, 'GroupRatio.vip', 'GroupRatio["vip"]: at most 1000, got 5000'],
		[{ ModelRatio: { 'gpt 4o': 1 } }, 'ModelRatio.gpt 4o', 'ModelRatio["gpt 4o"]: Model names cannot contain spaces.'],
		[{ GroupRatio: { 'v/ip': 1 } }, 'GroupRatio.v/ip', 'GroupRatio["v/ip"]: Use letters, digits, dots, dashes and underscores.'],
		[{ ModelRatio: { a: 1 }, CompletionRatio: { b: 2 } }, 'CompletionRatio.b', 'CompletionRatio["b"]: the model has no ModelRatio or ModelPrice entry'],
		[{ ModelRatio: { a: 1 }, CacheRatio: { b: 0.1 } }, 'CacheRatio.b', 'CacheRatio["b"]: the model has no ModelRatio or ModelPrice entry'],
		[{ ModelRatio: { a: 1 }, ImageRatio: { a: 2 } }, 'ImageRatio', 'ImageRatio: not a price option we import (expected any of ModelRatio, CompletionRatio, CacheRatio, CreateCacheRatio, ModelPrice, GroupRatio)'],
		[{ ModelRatio: '{"gpt-4o": 1' }, 'ModelRatio', 'ModelRatio: the string is not valid JSON'],
		[{ ModelRatio: [1, 2] }, 'ModelRatio', 'ModelRatio: expected an object of names to numbers (or a JSON string of one), got [1,2]'],
		[{ ModelRatio: '42' }, 'ModelRatio', 'ModelRatio: expected an object of names to numbers (or a JSON string of one), got "42"']
	])('refuses %j, naming %s', (input, field, message) => {
		const err = failure(input);
		expect(err.field).toBe(field);
		expect(err.message).toBe(message);
	});

	test('refuses what is not an object, and an object with nothing to import', () => {
		for (const input of [null, 'text', 42, [], [{ ModelRatio: {} }]]) expect(failure(input).message).toMatch(/^expected a JSON object/);
		expect(failure({}).message).toMatch(/^nothing to import/);
	});

	test('one bad entry among good ones refuses the whole file', () => {
		const good = fixture('newapi-options.json') as Record<string, unknown>;
		const err = failure({ ...good, GroupRatio: { default: 1, vip: 'free' } });
		expect(err.field).toBe('GroupRatio.vip');
	});
	test('an option string holding JSON nested too deeply is refused, naming the option', () => {
		const err = failure({ ModelRatio: `{"m":${'['.repeat(100)}${']'.repeat(100)}}` });
		expect(err.field).toBe('ModelRatio');
		expect(err.message).toContain('deeper than 64 levels');
	});
});
