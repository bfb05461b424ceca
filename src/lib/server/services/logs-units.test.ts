import { describe, expect, test } from 'vitest';
import { errorForUser } from './logs';

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
