import { describe, expect, test } from 'vitest';
import { UpstreamHostGuard } from './upstream-guard';

describe('the connect-time host guard', () => {
	test('looks a name up once per verdict lifetime, answering from the cache in between', async () => {
		let now = 1_000;
		let lookups = 0;
		let answer = ['203.0.113.7'];
		const guard = new UpstreamHostGuard(async () => (lookups++, answer), () => now);
		expect(await guard.checkUrl('https://api.example/v1/chat/completions')).toBeUndefined();
		// Cached: answered synchronously, no lookup.
		expect(guard.checkUrl('https://api.example/v1/embeddings')).toBeUndefined();
		expect(lookups).toBe(1);
		// The name starts pointing at the metadata service: refused once the verdict expires.
		answer = ['169.254.169.254'];
		now += 29_000;
		expect(guard.checkUrl('https://api.example/v1/chat/completions')).toBeUndefined();
		now += 2_000;
		expect(await guard.checkUrl('https://api.example/v1/chat/completions')).toMatch(/resolves to a cloud metadata address/);
		expect(lookups).toBe(2);
	});

	test('literal addresses and metadata names are judged without a lookup', () => {
		const guard = new UpstreamHostGuard(async () => {
			throw new Error('no lookups expected');
		});
		expect(guard.checkUrl('http://[::a9fe:a9fe]/v1/x')).toMatch(/metadata/);
		expect(guard.checkUrl('http://metadata.google.internal/x')).toMatch(/metadata/);
		expect(guard.checkUrl('http://10.0.0.8:8000/v1/x')).toBeUndefined();
		expect(guard.checkUrl('http://[::1]:8000/v1/x')).toBeUndefined();
	});

	test('concurrent calls share one lookup; a name that does not resolve is left to the fetch', async () => {
		let lookups = 0;
		const guard = new UpstreamHostGuard(async (host) => {
			lookups++;
			if (host === 'gone.example') throw new Error('ENOTFOUND');
			return ['203.0.113.9'];
		});
		const results = await Promise.all([guard.check('a.example'), guard.check('a.example'), guard.check('gone.example')]);
		expect(results).toEqual([undefined, undefined, undefined]);
		expect(lookups).toBe(2);
	});
});
