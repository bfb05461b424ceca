import { describe, expect, test } from 'vitest';
import { usageFromResponses } from './openai/responses-passthrough';
import { mergeStreamUsage, usageFromAnthropic } from './anthropic/usage';
import { usageFromGemini } from './gemini/usage';
import { usageFromOpenAI } from './openai/usage';
import { TokenCountReader } from './usage';

describe('TokenCountReader', () => {
	test.each([
		[0, 0],
		[42, 42],
		[3_000_000_000, 3_000_000_000],
		[undefined, 0],
		[null, 0]
	])('%s is a count (%s), not malformed', (value, expected) => {
		const reader = new TokenCountReader();
		expect(reader.count(value)).toBe(expected);
		expect(reader.malformed).toBe(false);
	});

	test.each([
		[-3, 0],
		[12.7, 12],
		[Number.NaN, 0],
		[Number.POSITIVE_INFINITY, Number.MAX_SAFE_INTEGER],
		[2 ** 60, Number.MAX_SAFE_INTEGER],
		['1500', 1500],
		[' 7.5 ', 7],
		['lots', 0],
		[true, 0],
		[{ n: 1 }, 0]
	])('%s reads as %s and marks the report malformed', (value, expected) => {
		const reader = new TokenCountReader();
		expect(reader.count(value)).toBe(expected);
		expect(reader.malformed).toBe(true);
	});

	test('result() marks only a malformed report, and a continued report keeps the mark', () => {
		const u = { inputUncached: 1, cacheRead: 0, cacheWrite: 0, output: 2, reasoning: 0 };
		expect(new TokenCountReader().result(u)).toBe(u);
		const marked = new TokenCountReader({ ...u, malformed: true }).result(u);
		expect(marked).toEqual({ ...u, malformed: true });
	});
});

describe('each provider marks a malformed usage report instead of trusting or dropping it', () => {
	test('OpenAI (and the OpenAI-compatible hosts)', () => {
		expect(usageFromOpenAI({ prompt_tokens: 10, completion_tokens: 5 })).not.toHaveProperty('malformed');
		expect(usageFromOpenAI({ prompt_tokens: 3_000_000_000, completion_tokens: 5 })).toEqual({
			inputUncached: 3_000_000_000,
			cacheRead: 0,
			cacheWrite: 0,
			output: 5,
			reasoning: 0
		});
		expect(usageFromOpenAI({ prompt_tokens: -10, completion_tokens: '5' })).toEqual({ inputUncached: 0, cacheRead: 0, cacheWrite: 0, output: 5, reasoning: 0, malformed: true });
		expect(JSON.parse('{"prompt_tokens":1e999}')).toEqual({ prompt_tokens: Number.POSITIVE_INFINITY });
		expect(usageFromOpenAI(JSON.parse('{"prompt_tokens":1e999,"completion_tokens":1}'))).toMatchObject({ inputUncached: Number.MAX_SAFE_INTEGER, malformed: true });
	});

	test('Anthropic, including a stream whose later delta is the malformed one', () => {
		expect(usageFromAnthropic({ input_tokens: 10, output_tokens: 1.5 })).toMatchObject({ output: 1, malformed: true });
		const start = usageFromAnthropic({ input_tokens: 10, output_tokens: 1 });
		expect(start).not.toHaveProperty('malformed');
		const merged = mergeStreamUsage(start, { output_tokens: -4 });
		expect(merged).toMatchObject({ inputUncached: 10, output: 0, malformed: true });
		expect(mergeStreamUsage(merged, { output_tokens: 9 })).toMatchObject({ output: 9, malformed: true });
	});

	test('Gemini', () => {
		expect(usageFromGemini({ promptTokenCount: 10, candidatesTokenCount: 2 })).not.toHaveProperty('malformed');
		expect(usageFromGemini({ promptTokenCount: '10', candidatesTokenCount: 2 })).toMatchObject({ inputUncached: 10, output: 2, malformed: true });
	});

	test('OpenAI Responses', () => {
		expect(usageFromResponses({ input_tokens: 10, output_tokens: 2 })).not.toHaveProperty('malformed');
		expect(usageFromResponses({ input_tokens: 10, output_tokens: Number.NaN })).toMatchObject({ output: 0, malformed: true });
	});
});
