import { describe, expect, expectTypeOf, test } from 'vitest';
import type * as z from 'zod';
import type { logItemView } from '../api/views';
import { errorForUser, type LogItem } from './logs';

describe('errorForUser', () => {
	test("each attempt's channel reads 'upstream', with or without a name", () => {
		expect(errorForUser('channel 3: 429 slow down; channel 15: no answer within 60 s')).toBe('upstream: 429 slow down; upstream: no answer within 60 s');
		expect(errorForUser('channel 3 (Azure east): 500 boom')).toBe('upstream: 500 boom');
	});

	test('other errors, and the word channel inside a message, are left alone', () => {
		expect(errorForUser(null)).toBeNull();
		expect(errorForUser('The gateway failed while handling this call.')).toBe('The gateway failed while handling this call.');
		expect(errorForUser('channel 3: 400 the channel 9: field is wrong')).toBe('upstream: 400 the channel 9: field is wrong');
	});
});

test('the API reference describes the log item field for field', () => {
	// Checked by the type checker: a column added to the row shows up in the item, and must be documented.
	expectTypeOf<z.infer<typeof logItemView>>().toEqualTypeOf<LogItem>();
});
