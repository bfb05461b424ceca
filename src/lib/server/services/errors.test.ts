import { describe, expect, test } from 'vitest';
import * as z from 'zod';
import { ServiceError, fieldError, parseInput } from './errors';

describe('ServiceError field and detail', () => {
	test('fieldError puts the field before the detail for the API and keeps the detail for forms', () => {
		const err = fieldError('invalid_request', 'expiresAt', 'the expiry must be in the future');
		expect(err.message).toBe('expiresAt: the expiry must be in the future');
		expect(err.field).toBe('expiresAt');
		expect(err.detail).toBe('the expiry must be in the future');
		expect(err.status).toBe(400);
	});

	test('without a detail of its own, the detail is the message', () => {
		const err = new ServiceError('code_invalid', 'There is no such code. Check it and try again.', 'code');
		expect(err.detail).toBe(err.message);
		expect(new ServiceError('not_found', 'User not found').detail).toBe('User not found');
	});

	test('parseInput names the field of the first issue, nested paths included', () => {
		const schema = z.object({ limits: z.object({ rpm: z.number().int().min(0, 'Not below zero.') }) });
		const err = (() => {
			try {
				parseInput(schema, { limits: { rpm: -1 } });
			} catch (e) {
				return e;
			}
		})();
		expect(err).toBeInstanceOf(ServiceError);
		expect(err).toMatchObject({ field: 'limits.rpm', detail: 'Not below zero.', message: 'limits.rpm: Not below zero.' });
	});

	test('an issue with no path has no field, and the message is its own detail', () => {
		expect(() => parseInput(z.string().min(3, 'Too short.'), 'ab')).toThrow(expect.objectContaining({ field: undefined, detail: 'Too short.', message: 'Too short.' }));
	});
});
