import { describe, expect, test } from 'vitest';
import { clientIp, normalizeIp } from './client-ip';
import { checkOrigin } from './origin-check';
import { isRelayUrl } from './paths';
import { acceptClientRequestId, newRequestId } from './request-id';

describe('clientIp', () => {
	const headers = new Headers({ 'x-forwarded-for': '6.6.6.6, 203.0.113.9, 10.0.0.2' });

	test('uses the socket when no proxy is trusted, whatever the headers say', () => {
		expect(clientIp(headers, '192.0.2.1', undefined)).toBe('192.0.2.1');
	});

	test('counts trusted hops from the right', () => {
		expect(clientIp(headers, '10.0.0.1', { header: 'x-forwarded-for', depth: 1 })).toBe('10.0.0.2');
		expect(clientIp(headers, '10.0.0.1', { header: 'x-forwarded-for', depth: 2 })).toBe('203.0.113.9');
	});

	test('falls back to the socket when the header is missing', () => {
		expect(clientIp(new Headers(), '::ffff:192.0.2.7', { header: 'x-real-ip', depth: 1 })).toBe('192.0.2.7');
	});

	test('normalizes mapped IPv4 and ports', () => {
		expect(normalizeIp('::ffff:10.1.2.3')).toBe('10.1.2.3');
		expect(normalizeIp('[2001:db8::1]:443')).toBe('2001:db8::1');
		expect(normalizeIp('198.51.100.4:5000')).toBe('198.51.100.4');
		expect(normalizeIp('2001:db8::2')).toBe('2001:db8::2');
	});
});

describe('checkOrigin', () => {
	const url = new URL('http://gw.local/login');
	const post = (headers: Record<string, string>, path = '/login') =>
		checkOrigin(new Request(`http://gw.local${path}`, { method: 'POST', headers }), new URL(`http://gw.local${path}`));

	test('lets same-origin posts and safe methods through', () => {
		expect(post({ origin: 'http://gw.local' }).allowed).toBe(true);
		expect(checkOrigin(new Request(url, { headers: { origin: 'http://evil.example' } }), url).allowed).toBe(true);
	});

	test('refuses cross-origin and origin-less posts', () => {
		expect(post({ origin: 'http://evil.example' })).toMatchObject({ allowed: false });
		expect(post({})).toMatchObject({ allowed: false });
	});

	test('skips bearer-authenticated API requests and /v1', () => {
		expect(post({ origin: 'http://evil.example', authorization: 'Bearer abc' }, '/api/keys').allowed).toBe(true);
		expect(post({ origin: 'http://evil.example' }, '/v1/chat/completions').allowed).toBe(true);
		expect(post({ origin: 'http://evil.example', authorization: 'Basic abc' }).allowed).toBe(false);
		expect(post({ origin: 'http://evil.example' }, '/v1beta').allowed).toBe(false);
	});

	test('a bearer header does not excuse a page or form action, which the session cookie authenticates', () => {
		expect(post({ origin: 'http://evil.example', authorization: 'Bearer abc' })).toMatchObject({ allowed: false });
		expect(post({ origin: 'http://evil.example', authorization: 'Bearer abc' }, '/keys?/toggle')).toMatchObject({ allowed: false });
		expect(post({ origin: 'http://evil.example', authorization: 'Bearer abc' }, '/apikeys')).toMatchObject({ allowed: false });
	});

	test('honours trusted origins', () => {
		const req = new Request(url, { method: 'POST', headers: { origin: 'https://admin.example' } });
		expect(checkOrigin(req, url, ['https://admin.example']).allowed).toBe(true);
	});
});

test('isRelayUrl matches /v1 and below only', () => {
	expect(isRelayUrl('http://h:3000/v1/chat/completions')).toBe(true);
	expect(isRelayUrl('http://h/v1')).toBe(true);
	expect(isRelayUrl('http://h/v1?x=1')).toBe(true);
	expect(isRelayUrl('http://h/v1beta/models')).toBe(false);
	expect(isRelayUrl('http://h/login')).toBe(false);
	expect(isRelayUrl('http://h/api/v1/x')).toBe(false);
	expect(isRelayUrl('http://h/')).toBe(false);
});

test('request ids are unique, sort by time, and client ids are validated', () => {
	const ids = Array.from({ length: 1000 }, () => newRequestId());
	expect(new Set(ids).size).toBe(1000);
	expect(ids[0]).toMatch(/^req_[0-9A-HJKMNP-TV-Z]{26}$/);
	const earlier = newRequestId(1_700_000_000_000);
	const later = newRequestId(1_700_000_000_001);
	expect(earlier < later).toBe(true);
	expect(newRequestId(2 ** 48 - 1).slice(4, 14)).toBe('7ZZZZZZZZZ');
	expect(newRequestId(0).slice(4, 14)).toBe('0000000000');
	expect(acceptClientRequestId('trace-123:abc')).toBe('trace-123:abc');
	expect(acceptClientRequestId('has space')).toBeUndefined();
	expect(acceptClientRequestId('x'.repeat(129))).toBeUndefined();
	expect(acceptClientRequestId(null)).toBeUndefined();
});
