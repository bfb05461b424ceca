import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { register, signIn } from '../harness/accounts';
import { freshDatabase, type TestDatabase } from '../harness/database';
import { eventually } from '../harness/eventually';
import { startServer, type TestServer } from '../harness/server';
import { WebClient } from '../harness/web-client';

let db: TestDatabase;
let server: TestServer;

beforeAll(async () => {
	db = await freshDatabase();
	server = await startServer({
		env: {
			DATABASE_URL: db.url,
			ELYGATE_ROOT_PASSWORD: 'root-password-1',
			LOGIN_MAX_FAILURES: '3',
			// A pair that used its 3 failures waits a sixteenth of this: 4 s.
			LOGIN_WINDOW_SECONDS: '64',
			TRUSTED_PROXY_HEADER: 'x-forwarded-for'
		}
	});
});

afterAll(async () => {
	await server?.stop();
	await db?.drop();
});

const count = async (table: 'users' | 'sessions') => (await db.sql`select count(*)::int as n from ${db.sql(table)}`)[0]!.n as number;

describe('accounts', () => {
	test('register, see home, log out, log in again', async () => {
		const web = new WebClient(server.url);
		await register(web, 'alice', 'alice-password');
		const home = await web.page('/');
		expect(home).toContain('data-testid="username">alice<');
		expect(home).toContain('data-testid="role">User<');
		expect(home).toMatch(/data-testid="balance"[^>]*>(\s|<span[^>]*>)*\$0\.00/);

		const out = await web.postForm('/logout', {});
		expect(out.status).toBe(303);
		expect(out.headers.get('location')).toBe('/login');
		expect(web.cookies.size).toBe(0);
		const after = await web.get('/');
		expect(after.status).toBe(303);
		expect(after.headers.get('location')).toBe('/login');

		const back = await signIn(web, 'ALICE', 'alice-password'); // usernames are case-insensitive
		expect(back.status).toBe(303);
		expect(await web.page('/')).toContain('data-testid="username">alice<');
	});

	test('wrong password and unknown user get the same clear message and no session', async () => {
		const web = new WebClient(server.url);
		await register(new WebClient(server.url), 'bob', 'bob-password');
		const sessions = await count('sessions');
		for (const [username, password] of [
			['bob', 'not-the-password'],
			['nobody-here', 'whatever-password']
		] as const) {
			const res = await signIn(web, username, password);
			expect(res.status).toBe(400);
			const body = await res.text();
			expect(body).toContain('Incorrect username or password.');
			expect(body).not.toContain(password); // the password is never echoed back
			expect(res.headers.getSetCookie()).toEqual([]);
		}
		expect(await count('sessions')).toBe(sessions);
	});

	test('a taken username (in any case) is refused beside the field, and no row is added', async () => {
		await register(new WebClient(server.url), 'carol');
		const users = await count('users');
		const res = await new WebClient(server.url).postForm('/register', {
			username: 'Carol',
			password: 'another-password',
			confirm: 'another-password',
			email: ''
		});
		expect(res.status).toBe(409);
		expect(await res.text()).toContain('This username is taken.');
		expect(await count('users')).toBe(users);
	});

	test('a too-short password, a bad username and a mismatch are refused with their reasons', async () => {
		const users = await count('users');
		const sessions = await count('sessions');
		const web = new WebClient(server.url);
		const short = await web.postForm('/register', { username: 'dave', password: 'short', confirm: 'short', email: '' });
		expect(short.status).toBe(400);
		expect(await short.text()).toContain('Use at least 8 characters.');
		const bad = await web.postForm('/register', { username: '-x', password: 'long-enough-1', confirm: 'long-enough-1', email: 'nope' });
		expect(bad.status).toBe(400);
		const badBody = await bad.text();
		expect(badBody).toContain('Use at least 3 characters.');
		expect(badBody).toContain('Enter a valid email address, or leave it empty.');
		const mismatch = await web.postForm('/register', { username: 'dave', password: 'long-enough-1', confirm: 'long-enough-2', email: '' });
		expect(mismatch.status).toBe(400);
		expect(await mismatch.text()).toContain('The passwords do not match.');
		expect(await count('users')).toBe(users);
		expect(await count('sessions')).toBe(sessions);
		expect(web.cookies.size).toBe(0);
	});

	test('registration can be switched off', async () => {
		await db.sql`insert into options (key, value) values ('registration.enabled', 'false'::jsonb)
			on conflict (key) do update set value = excluded.value`;
		try {
			const users = await count('users');
			const res = await new WebClient(server.url).postForm('/register', {
				username: 'erin',
				password: 'erin-password',
				confirm: 'erin-password',
				email: ''
			});
			expect(res.status).toBe(403);
			expect(await res.text()).toContain('Registration is closed.');
			expect(await count('users')).toBe(users);
		} finally {
			await db.sql`delete from options where key = 'registration.enabled'`;
		}
	});
});

describe('access', () => {
	test('a visitor is sent to /login, keeping where they wanted to go', async () => {
		const res = await new WebClient(server.url).get('/admin');
		expect(res.status).toBe(303);
		expect(res.headers.get('location')).toBe('/login?next=%2Fadmin');
	});

	test('next= never sends anyone off the site, however it is disguised', async () => {
		const sneaky = '/\t/evil.example'; // browsers drop the tab and read //evil.example
		const web = new WebClient(server.url);
		await register(web, 'oscar', 'oscar-password');
		const asSignedIn = await web.get(`/login?next=${encodeURIComponent(sneaky)}`);
		expect(asSignedIn.headers.get('location')).toBe('/');
		const fresh = new WebClient(server.url);
		const signedIn = await fresh.postForm(`/login?next=${encodeURIComponent(sneaky)}`, { username: 'oscar', password: 'oscar-password' });
		expect(signedIn.status).toBe(303);
		expect(signedIn.headers.get('location')).toBe('/');
		const theme = await web.postForm('/theme', { theme: 'dark', next: sneaky });
		expect(theme.status).toBe(303);
		expect(theme.headers.get('location')).toBe('/');
		// A real path on the site still comes back.
		const kept = await web.postForm('/theme', { theme: 'dark', next: '/logs?page=2' });
		expect(kept.headers.get('location')).toBe('/logs?page=2');
	});

	test('a user gets 403 on an admin page; root gets it', async () => {
		const user = new WebClient(server.url);
		await register(user, 'frank');
		const denied = await user.get('/admin');
		expect(denied.status).toBe(403);
		expect(await denied.text()).toContain('This page is for administrators.');

		const root = new WebClient(server.url);
		expect((await signIn(root, 'root', 'root-password-1')).status).toBe(303);
		const page = await root.page('/admin');
		expect(page).toContain('Administration');
		expect(page).toMatch(/PostgreSQL \d+/);
	});

	test('a cross-origin form post is refused and changes nothing', async () => {
		const users = await count('users');
		const res = await new WebClient(server.url).postForm(
			'/register',
			{ username: 'mallory', password: 'mallory-pass', confirm: 'mallory-pass', email: '' },
			{ origin: 'http://evil.example' }
		);
		expect(res.status).toBe(403);
		expect(await count('users')).toBe(users);

		const victim = new WebClient(server.url);
		await register(victim, 'grace');
		const sessions = await count('sessions');
		const logout = await victim.postForm('/logout', {}, { origin: null });
		expect(logout.status).toBe(403);
		expect(await count('sessions')).toBe(sessions);
		// A bearer header authenticates nothing on a page, so it excuses nothing either.
		const withBearer = await fetch(`${server.url}/logout`, {
			method: 'POST',
			redirect: 'manual',
			headers: {
				cookie: `elygate_session=${victim.cookies.get('elygate_session')}`,
				origin: 'http://evil.example',
				authorization: 'Bearer anything',
				'content-type': 'application/x-www-form-urlencoded'
			},
			body: ''
		});
		expect(withBearer.status).toBe(403);
		expect(await count('sessions')).toBe(sessions);
		expect((await victim.get('/')).status).toBe(200);
	});

	test('a session cookie is httpOnly, SameSite=Lax, and not Secure over plain http', async () => {
		const res = await new WebClient(server.url).postForm('/register', {
			username: 'heidi',
			password: 'heidi-password',
			confirm: 'heidi-password',
			email: ''
		});
		const cookie = res.headers.getSetCookie().find((c) => c.startsWith('elygate_session='));
		expect(cookie).toMatch(/HttpOnly/i);
		expect(cookie).toMatch(/SameSite=Lax/i);
		expect(cookie).not.toMatch(/Secure/i);
		expect(cookie).toMatch(/Path=\//);
	});
});

test('the login rate limit triggers after repeated failures and expires with its window', async () => {
	await register(new WebClient(server.url), 'ivan', 'ivan-password');
	const web = new WebClient(server.url);
	for (let i = 0; i < 3; i++) expect((await signIn(web, 'ivan', 'wrong-password')).status).toBe(400);
	const blocked = await signIn(web, 'ivan', 'ivan-password');
	expect(blocked.status).toBe(429);
	expect(await blocked.text()).toContain('Too many failed sign-ins. Try again in 1 min.');
	expect(web.cookies.size).toBe(0);
	// The first wait is a sixteenth of the 64 s window: the right password works again after it.
	await eventually(async () => expect((await signIn(web, 'ivan', 'ivan-password')).status).toBe(303), { interval: 250 });
});

/** A sign-in form post as if from `ip` (the test server trusts x-forwarded-for). */
function signInFrom(ip: string, username: string, password: string): Promise<Response> {
	return fetch(`${server.url}/login`, {
		method: 'POST',
		redirect: 'manual',
		headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'text/html', origin: server.url, 'x-forwarded-for': ip },
		body: new URLSearchParams({ username, password }).toString()
	});
}

describe('the login limiter under attack', () => {
	test('of 40 wrong passwords sent at once, at most the limit are checked', async () => {
		await register(new WebClient(server.url), 'judy', 'judy-password');
		const answers = await Promise.all(Array.from({ length: 40 }, () => signInFrom('203.0.113.9', 'judy', 'wrong-password')));
		const statuses = answers.map((r) => r.status);
		expect(statuses.filter((s) => s === 400).length).toBeLessThanOrEqual(3);
		expect(statuses.filter((s) => s !== 400 && s !== 429)).toEqual([]);
		// That address waits, even with the right password; the owner elsewhere does not.
		expect((await signInFrom('203.0.113.9', 'judy', 'judy-password')).status).toBe(429);
		expect((await signInFrom('198.51.100.20', 'judy', 'judy-password')).status).toBe(303);
	});
});
