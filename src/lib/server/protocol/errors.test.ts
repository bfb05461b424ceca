import { describe, expect, test } from 'vitest';
import { DoorInputError, ImageFetchError, isClientFault, isTransformError, UpstreamFormatError, UpstreamRequestError } from './errors';

describe('TransformError', () => {
	test('every kind is told by the guard, and only those', () => {
		const errors = [new DoorInputError('a', 'p'), new UpstreamRequestError('b', 'n'), new ImageFetchError('c'), new UpstreamFormatError('d')];
		expect(errors.map((e) => isTransformError(e) && e.kind)).toEqual(['door-input', 'upstream-request', 'image-fetch', 'upstream-format']);
		expect(errors.map((e) => e.name)).toEqual(['DoorInputError', 'UpstreamRequestError', 'ImageFetchError', 'UpstreamFormatError']);
		expect(isTransformError(new Error('x'))).toBe(false);
		expect(isTransformError(Object.assign(new Error('x'), { name: 'DoorInputError', retry: false }))).toBe(false);
	});

	test('a refused request is the client’s; an unreadable answer is not, unless the upstream blames the request', () => {
		expect(isClientFault(new UpstreamRequestError('b'))).toBe(true);
		expect(isClientFault(new ImageFetchError('c'))).toBe(true);
		expect(isClientFault(new UpstreamFormatError('d'))).toBe(false);
		expect(isClientFault(new UpstreamFormatError('e', false))).toBe(true);
		expect(new DoorInputError('a', 'messages.0').param).toBe('messages.0');
	});
});
