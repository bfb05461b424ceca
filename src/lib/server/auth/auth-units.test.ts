import { describe, expect, test } from 'vitest';
import { isAdmin, loginUrl, safeNext } from './guards';
import { LoginLimiter } from './login-limiter';
import { hashPassword, verifyAgainstNothing, verifyPassword } from './password';
import { hashToken, randomToken, sameDigest } from './tokens';

describe('LoginLimiter', () => {
	function limiter() {
		let now = 1_000_000;
		const l = new LoginLimiter({ maxFailures: 3, windowMs: 60_000, now: () => now });
		return { l, advance: (ms: number) => (now += ms) };
	}

	test('blocks a username after its failures, until the window ends', () => {
		const { l, advance } = limiter();
		for (let i = 0; i < 3; i++) {
			expect(l.check('1.1.1.1', 'Alice').allowed).toBe(true);
			l.recordFailure('1.1.1.1', 'Alice');
		}
		const blocked = l.check('2.2.2.2', 'alice'); // case-insensitive, any IP
		expect(blocked).toEqual({ allowed: false, retryAfterMs: 60_000 });
		advance(59_999);
		expect(l.check('1.1.1.1', 'alice').allowed).toBe(false);
		advance(1);
		expect(l.check('1.1.1.1', 'alice').allowed).toBe(true);
	});

	test('blocks an IP spraying many usernames', () => {
		const { l } = limiter();
		for (let i = 0; i < 30; i++) l.recordFailure('9.9.9.9', `user${i}`);
		expect(l.check('9.9.9.9', 'fresh-name').allowed).toBe(false);
		expect(l.check('8.8.8.8', 'fresh-name').allowed).toBe(true);
	});

	test('an IP allowance can be set apart from the per-account one', () => {
		const l = new LoginLimiter({ maxFailures: 5, maxFailuresPerIp: 4, windowMs: 60_000, now: () => 0 });
		for (let i = 0; i < 4; i++) l.recordFailure('9.9.9.9', `user${i}`);
		expect(l.check('9.9.9.9', 'fresh-name')).toEqual({ allowed: false, retryAfterMs: 60_000 });
		expect(l.check('8.8.8.8', 'user0').allowed).toBe(true);
	});

	test('a success clears the username count', () => {
		const { l } = limiter();
		l.recordFailure('1.1.1.1', 'bob');
		l.recordFailure('1.1.1.1', 'bob');
		l.recordSuccess('bob');
		l.recordFailure('1.1.1.1', 'bob');
		l.recordFailure('1.1.1.1', 'bob');
		expect(l.check('1.1.1.1', 'bob').allowed).toBe(true);
	});
});

describe('passwords', () => {
	test('argon2id hashes verify only with the right password', async () => {
		const hash = await hashPassword('correct horse battery');
		expect(hash).toMatch(/^\$argon2id\$/);
		expect(await verifyPassword('correct horse battery', hash)).toBe(true);
		expect(await verifyPassword('wrong', hash)).toBe(false);
		expect(await verifyPassword('x', 'not-a-hash')).toBe(false);
		expect(await verifyAgainstNothing('anything')).toBe(false);
	});
});

test('tokens: random, hashed, compared in constant time', () => {
	const a = randomToken();
	expect(a).toMatch(/^[a-z2-7]{32}$/);
	expect(randomToken()).not.toBe(a);
	expect(hashToken('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
	expect(sameDigest(hashToken('abc'), hashToken('abc'))).toBe(true);
	expect(sameDigest(hashToken('abc'), hashToken('abd'))).toBe(false);
	expect(sameDigest('ab', 'abc')).toBe(false);
});

test('guards: next paths stay on this site', () => {
	expect(safeNext('/admin?x=1')).toBe('/admin?x=1');
	expect(safeNext('//evil.example')).toBe('/');
	expect(safeNext('/\\evil.example')).toBe('/');
	expect(safeNext('https://evil.example')).toBe('/');
	expect(safeNext(null)).toBe('/');
	expect(loginUrl(new URL('http://h/admin?tab=2'))).toBe('/login?next=%2Fadmin%3Ftab%3D2');
	expect(loginUrl(new URL('http://h/'))).toBe('/login');
	expect(isAdmin({ role: 'root' })).toBe(true);
	expect(isAdmin({ role: 'user' })).toBe(false);
	expect(isAdmin(null)).toBe(false);
});
