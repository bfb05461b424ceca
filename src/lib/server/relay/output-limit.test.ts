import { describe, expect, test } from 'vitest';
import { withOutputLimit } from './output-limit';

describe('the output limit a call is sent with', () => {
	const body = { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] };
	const raw = ` ${JSON.stringify(body)}`;

	test('is spliced into the client bytes, which otherwise stay as sent', () => {
		const limited = withOutputLimit({ body, raw }, 'chat', 'gpt-4o-mini', 900);
		expect(limited.raw).toBe(` {"max_tokens":900,${raw.slice(2)}`);
		expect(JSON.parse(limited.raw!)).toEqual({ ...body, max_tokens: 900 });
		expect(limited.body).toEqual({ ...body, max_tokens: 900 });
		expect(body).not.toHaveProperty('max_tokens');
	});

	test('uses each protocol’s own field; reasoning models take max_completion_tokens', () => {
		expect(withOutputLimit({ body, raw }, 'chat', 'o3-mini', 5).body).toMatchObject({ max_completion_tokens: 5 });
		expect(withOutputLimit({ body, raw }, 'chat', 'gpt-5.1', 5).body).not.toHaveProperty('max_tokens');
		expect(withOutputLimit({ body, raw }, 'responses', 'gpt-5', 5).body).toMatchObject({ max_output_tokens: 5 });
		expect(withOutputLimit({ body, raw }, 'completions', 'davinci-002', 5).body).toMatchObject({ max_tokens: 5 });
		expect(withOutputLimit({ body, raw }, 'embeddings', 'text-embedding-3-small', 5)).toEqual({ body, raw });
	});

	test('a field the body names already (as null) is replaced by serialising again', () => {
		const withNull = { ...body, max_tokens: null };
		const limited = withOutputLimit({ body: withNull, raw: JSON.stringify(withNull) }, 'chat', 'gpt-4o-mini', 42);
		expect(limited.raw).toBeUndefined();
		expect(limited.body.max_tokens).toBe(42);
	});

	test('a converted body has no bytes of its own to keep', () => {
		expect(withOutputLimit({ body, raw: undefined }, 'chat', 'claude-sonnet-4-5', 7)).toEqual({ body: { ...body, max_tokens: 7 }, raw: undefined });
	});
});
