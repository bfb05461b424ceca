import { describe, expect, test } from 'vitest';
import { isAdmin, loginUrl, safeNext } from './guards';
import { LoginLimiter, type LoginLimiterOptions } from './login-limiter';
import { hashPassword, verifyAgainstNothing, verifyPassword } from './password';
import { hashToken, randomToken, sameDigest } from './token-format';

describe('LoginLimiter', () => {
	const WINDOW = 160_000;
	function limiter(opts: Partial<LoginLimiterOptions> = {}) {
		let now = 1_000_000;
		const l = new LoginLimiter({ maxFailures: 3, windowMs: WINDOW, overCeiling: 'throttle', now: () => now, ...opts });
		return { l, advance: (ms: number) => (now += ms) };
	}
	/** One attempt that fails (a wrong password); false when the limiter refused it. */
	const fail = (l: LoginLimiter, ip: string, name: string) => l.begin(ip, name).allowed;
	const waitOf = (l: LoginLimiter, ip: string, name: string) => {
		const d = l.begin(ip, name);
		if (d.allowed) d.ticket.release();
		return d.allowed ? 0 : d.retryAfterMs;
	};

	test('attempts are counted as they begin: of many at once, only the allowance gets through', () => {
		const { l } = limiter();
		const decisions = Array.from({ length: 40 }, () => l.begin('1.1.1.1', 'root'));
		expect(decisions.filter((d) => d.allowed)).toHaveLength(3);
	});

	test('a pair that used its allowance backs off, doubling up to the window, then is forgiven', () => {
		const { l, advance } = limiter();
		for (let i = 0; i < 3; i++) expect(fail(l, '1.1.1.1', 'Alice')).toBe(true);
		expect(waitOf(l, '1.1.1.1', 'alice')).toBe(WINDOW / 16); // case-insensitive
		advance(WINDOW / 16);
		expect(fail(l, '1.1.1.1', 'alice')).toBe(true);
		expect(waitOf(l, '1.1.1.1', 'alice')).toBe(WINDOW / 8);
		advance(WINDOW / 8);
		expect(fail(l, '1.1.1.1', 'alice')).toBe(true);
		advance(WINDOW / 4);
		expect(fail(l, '1.1.1.1', 'alice')).toBe(true);
		advance(WINDOW / 2);
		expect(fail(l, '1.1.1.1', 'alice')).toBe(true);
		expect(waitOf(l, '1.1.1.1', 'alice')).toBe(WINDOW); // capped
		advance(WINDOW);
		for (let i = 0; i < 3; i++) expect(fail(l, '1.1.1.1', 'alice')).toBe(true);
	});

	test("a stranger's failures never lock the owner out from another address, even past the account ceiling", () => {
		const { l } = limiter();
		expect(fail(l, '6.6.6.6', 'root')).toBe(true);
		for (let i = 0; i < 100; i++) fail(l, `6.6.${i}.1`, 'root'); // 60 = 20 x 3 is the ceiling
		expect(l.begin('6.6.6.6', 'root').allowed).toBe(false); // one try each past the ceiling
		const owner = l.begin('10.0.0.7', 'root');
		expect(owner.allowed).toBe(true);
	});

	test('block mode refuses the account from any address past its ceiling', () => {
		const { l, advance } = limiter({ accountCeiling: 3, overCeiling: 'block' });
		for (const ip of ['1.1.1.1', '2.2.2.2', '3.3.3.3']) expect(fail(l, ip, 'user:7')).toBe(true);
		expect(waitOf(l, '4.4.4.4', 'user:7')).toBe(WINDOW);
		advance(WINDOW);
		expect(fail(l, '4.4.4.4', 'user:7')).toBe(true);
	});

	test('blocks an IP spraying many usernames', () => {
		const { l } = limiter();
		for (let i = 0; i < 30; i++) fail(l, '9.9.9.9', `user${i}`);
		expect(l.begin('9.9.9.9', 'fresh-name').allowed).toBe(false);
		expect(l.begin('8.8.8.8', 'fresh-name').allowed).toBe(true);
	});

	test('an IP allowance can be set apart from the per-account one', () => {
		const { l } = limiter({ maxFailures: 5, maxFailuresPerIp: 4 });
		for (let i = 0; i < 4; i++) fail(l, '9.9.9.9', `user${i}`);
		expect(l.begin('9.9.9.9', 'fresh-name')).toEqual({ allowed: false, retryAfterMs: WINDOW });
		expect(l.begin('8.8.8.8', 'user0').allowed).toBe(true);
	});

	test('a success forgives the pair; a released attempt does not count', () => {
		const { l } = limiter();
		fail(l, '1.1.1.1', 'bob');
		fail(l, '1.1.1.1', 'bob');
		const ok = l.begin('1.1.1.1', 'bob');
		if (!ok.allowed) throw new Error('expected to be allowed');
		ok.ticket.succeeded();
		ok.ticket.succeeded(); // settling twice changes nothing
		for (let i = 0; i < 2; i++) fail(l, '1.1.1.1', 'bob');
		for (let i = 0; i < 5; i++) {
			const d = l.begin('1.1.1.1', 'bob');
			if (d.allowed) d.ticket.release();
		}
		expect(fail(l, '1.1.1.1', 'bob')).toBe(true);
		expect(l.begin('1.1.1.1', 'bob').allowed).toBe(false);
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
	// Browsers drop tabs and newlines inside URLs, so "/\t/evil.example" is "//evil.example" to them.
	expect(safeNext('/\t/evil.example')).toBe('/');
	expect(safeNext('/\n/evil.example')).toBe('/');
	expect(safeNext('/\u0000/x')).toBe('/');
	expect(safeNext('/.//evil.example')).toBe('/');
	expect(safeNext('/a\\..\\\\evil.example')).toBe('/');
	expect(safeNext('/logs?model=a%2Fb#top')).toBe('/logs?model=a%2Fb#top');
	expect(loginUrl(new URL('http://h/admin?tab=2'))).toBe('/login?next=%2Fadmin%3Ftab%3D2');
	expect(loginUrl(new URL('http://h/'))).toBe('/login');
	expect(isAdmin({ role: 'root' })).toBe(true);
	expect(isAdmin({ role: 'user' })).toBe(false);
	expect(isAdmin(null)).toBe(false);
});
