import { describe, expect, test } from 'vitest';
import { describeDbError, isDataError } from './errors';

/** What postgres.js throws for an ErrorResponse: an Error named PostgresError carrying the fields. */
function pgError(fields: Record<string, string>): Error {
	const err = Object.assign(new Error(fields.message), fields);
	err.name = 'PostgresError';
	return err;
}

describe('isDataError', () => {
	test.each([
		['22003', true], // numeric value out of range
		['22P02', true], // invalid text representation
		['22021', true], // invalid byte sequence (a NUL in text)
		['23514', true], // check violation
		['23505', true], // unique violation
		['54000', true], // program limit exceeded
		['08006', false], // connection failure
		['57P01', false], // admin shutdown
		['40P01', false], // deadlock
		['53300', false], // too many connections
		['42703', false] // undefined column: a broken deployment, not a bad row
	])('SQLSTATE %s → %s', (code, expected) => {
		expect(isDataError(pgError({ code, message: 'x' }))).toBe(expected);
		// Drizzle wraps the driver's error.
		expect(isDataError(new Error('Failed query', { cause: pgError({ code, message: 'x' }) }))).toBe(expected);
	});

	test('errors that are not from the database are not data errors', () => {
		expect(isDataError(new Error('write CONNECTION_CLOSED'))).toBe(false);
		expect(isDataError('boom')).toBe(false);
	});
});

describe('describeDbError', () => {
	test('keeps the SQLSTATE, the message and identifiers; hides quoted values, the detail and the parameters', () => {
		const err = pgError({
			code: '22003',
			message: 'value "3000000000" is out of range for type integer',
			detail: 'Failing row contains (req_secret, 203.0.113.9)'
		});
		Object.defineProperty(err, 'parameters', { value: ['{req_secret}'], enumerable: false });
		expect(describeDbError(err)).toEqual({ code: '22003', message: 'value "…" is out of range for type integer' });
		expect(describeDbError(pgError({ code: '23514', message: 'new row for relation "request_logs" violates check constraint "no_poison"' }))).toEqual({
			code: '23514',
			message: 'new row for relation "request_logs" violates check constraint "no_poison"'
		});
		expect(describeDbError(pgError({ code: '22P02', message: 'malformed array literal: "{a@example.com,b}"' })).message).toBe('malformed array literal: "…"');
	});

	test('an error from outside the database keeps its message and has no SQLSTATE', () => {
		expect(describeDbError(new Error('NaN is not a valid int8'))).toEqual({ code: null, message: 'NaN is not a valid int8' });
	});

	test('a very long message is cut', () => {
		expect(describeDbError(pgError({ code: '54000', message: 'x'.repeat(2000) })).message).toHaveLength(500);
	});
});
