import { describe, expect, test } from 'vitest';
import { createFailureClassifier, statusKind } from './classify';

const read = (_status: number, text: string) => ({ message: text || 'x', tag: text });
const headers = new Headers({ 'retry-after': '2' });

describe('the common status table', () => {
	test('each status means what the relay expects', () => {
		expect([401, 402, 403, 404, 408, 429, 529, 500, 503, 400, 422].map((s) => statusKind(s))).toEqual([
			'bad-key', 'bad-key', 'bad-key', 'model-unavailable', 'retry', 'cool', 'cool', 'retry', 'retry', 'client', 'client'
		]);
		expect(statusKind(402, { 402: 'client' })).toBe('client');
	});
});

describe('createFailureClassifier', () => {
	test('bare kinds get their fields: a wait for cool and retry, passed-on fields for client', () => {
		const classify = createFailureClassifier({ read, client: () => ({ code: 'c', type: 't', param: 'p' }) });
		expect(classify(429, headers, 'slow')).toEqual({ status: 429, message: 'slow', kind: 'cool', retryAfterMs: 2000 });
		expect(classify(500, headers, '')).toEqual({ status: 500, message: 'x', kind: 'retry', retryAfterMs: 2000 });
		expect(classify(400, headers, 'bad')).toEqual({ status: 400, message: 'bad', kind: 'client', code: 'c', type: 't', param: 'p' });
		expect(classify(401, headers, 'no')).toEqual({ status: 401, message: 'no', kind: 'bad-key' });
	});

	test('a hint and the status: the graver wins; the decisive rule beats both', () => {
		const classify = createFailureClassifier({
			read,
			hint: (_s, e) => (e.tag === 'auth' ? 'bad-key' : e.tag === 'later' ? { kind: 'retry', retryAfterMs: 7 } : undefined),
			decisive: (status, e) => (status === 429 && e.tag === 'broke' ? 'bad-key' : undefined)
		});
		expect(classify(400, headers, 'auth').kind).toBe('bad-key');
		expect(classify(429, headers, 'auth').kind).toBe('cool');
		expect(classify(429, headers, 'broke').kind).toBe('bad-key');
		expect(classify(500, headers, 'later')).toEqual({ status: 500, message: 'later', kind: 'retry', retryAfterMs: 7 });
		expect(classify(404, headers, 'later').kind).toBe('model-unavailable');
	});

	test('without a client rule, a client error says nothing more than its type', () => {
		expect(createFailureClassifier({ read })(400, headers, 'bad')).toEqual({ status: 400, message: 'bad', kind: 'client', type: 'invalid_request_error', code: null, param: null });
	});
});
