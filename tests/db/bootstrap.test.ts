import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { projectRoot } from '../../scripts/build-state';
import { register, signIn } from '../harness/accounts';
import { freshDatabase, type TestDatabase } from '../harness/database';
import { eventually } from '../harness/eventually';
import { startServer, type TestServer } from '../harness/server';
import { WebClient } from '../harness/web-client';

const roots = async (db: TestDatabase) => (await db.sql`select username from users where role = 'root'`).map((r) => r.username);

/** The token in the setup URL, logged just after the "listening" line the harness waits for. */
function setupToken(server: TestServer): Promise<string> {
	return eventually(() => {
		const record = server.records().find((r) => typeof r.setupUrl === 'string');
		expect(record).toBeDefined();
		const url = new URL(String(record?.setupUrl));
		expect(url.pathname).toBe('/setup');
		return url.searchParams.get('token') ?? '';
	});
}

describe('first start without ELYGATE_ROOT_PASSWORD', () => {
	let db: TestDatabase;
	let server: TestServer;
	beforeAll(async () => {
		db = await freshDatabase();
		server = await startServer({ env: { DATABASE_URL: db.url } });
	});
	afterAll(async () => {
		await server?.stop();
		await db?.drop();
	});

	test('prints a setup URL whose token is the only way in, and works once', async () => {
		const token = await setupToken(server);
		expect(token).toMatch(/^[a-z2-7]{32}$/);
		expect(server.records().find((r) => r.setupUrl)?.setupUrl).toBe(`${server.url}/setup?token=${token}`);

		const web = new WebClient(server.url);
		expect((await web.get('/setup')).status).toBe(403);
		expect((await web.get('/setup?token=wrong')).status).toBe(403);
		const forged = await web.postForm('/setup?token=wrong', {
			token: 'wrong',
			username: 'root',
			password: 'root-password-1',
			confirm: 'root-password-1'
		});
		expect(forged.status).toBe(403);
		expect(await roots(db)).toEqual([]);

		// Registration stays closed until the owner has set up root.
		const early = await web.postForm('/register', { username: 'squatter', password: 'squatter-1', confirm: 'squatter-1' });
		expect(early.status).toBe(403);
		expect(await early.text()).toContain('Elygate is not set up yet');

		expect(await web.page(`/setup?token=${token}`)).toContain('Create the root account');
		const done = await web.postForm(`/setup?token=${token}`, {
			token,
			username: 'owner',
			password: 'owner-password-1',
			confirm: 'owner-password-1'
		});
		expect(done.status).toBe(303);
		expect(await roots(db)).toEqual(['owner']);
		expect(await web.page('/')).toContain('data-testid="role">Root<');

		const again = new WebClient(server.url);
		expect((await again.get(`/setup?token=${token}`)).headers.get('location')).toBe('/login');
		const replay = await again.postForm(`/setup?token=${token}`, {
			token,
			username: 'second',
			password: 'second-password',
			confirm: 'second-password'
		});
		expect(replay.status).toBe(403);
		expect(await roots(db)).toEqual(['owner']);
	});
});

describe('ELYGATE_ROOT_PASSWORD and the reset CLI', () => {
	let db: TestDatabase;
	// One data dir for every start: it holds the secret key the database was set up with.
	const dataDir = mkdtempSync(join(tmpdir(), 'elygate-test-data-'));
	beforeAll(async () => {
		db = await freshDatabase();
	});
	afterAll(() => db?.drop());

	test('creates root at first start and is ignored once root exists', async () => {
		const first = await startServer({ dataDir, env: { DATABASE_URL: db.url, ELYGATE_ROOT_PASSWORD: 'first-root-pass' } });
		expect(first.records().some((r) => r.setupUrl)).toBe(false);
		expect(await roots(db)).toEqual(['root']);
		expect(await first.stop()).toBe(0);

		const second = await startServer({
			dataDir,
			env: { DATABASE_URL: db.url, ELYGATE_ROOT_PASSWORD: 'other-root-pass' }
		});
		try {
			expect(second.records().some((r) => r.msg === 'ELYGATE_ROOT_PASSWORD is ignored: a root account already exists')).toBe(true);
			expect((await signIn(new WebClient(second.url), 'root', 'other-root-pass')).status).toBe(400);
			expect((await signIn(new WebClient(second.url), 'root', 'first-root-pass')).status).toBe(303);
			expect(await roots(db)).toEqual(['root']);
		} finally {
			await second.stop();
		}
	});

	test('reset-password sets a new password and ends the sessions', async () => {
		const server = await startServer({ dataDir, env: { DATABASE_URL: db.url } });
		try {
			const web = new WebClient(server.url);
			await register(web, 'judy', 'judy-old-password');
			expect((await web.get('/')).status).toBe(200);

			const cli = (args: string[], stdin?: string) => {
				const proc = Bun.spawnSync(['bun', 'src/cli.ts', ...args], {
					cwd: projectRoot,
					env: { PATH: process.env.PATH, HOME: process.env.HOME, DATABASE_URL: db.url },
					stdin: stdin === undefined ? 'ignore' : Buffer.from(stdin)
				});
				return { code: proc.exitCode, out: proc.stdout.toString(), err: proc.stderr.toString() };
			};

			const reset = cli(['reset-password', 'judy', '--password-stdin'], 'judy-new-password\n');
			expect(reset.code, reset.err).toBe(0);
			expect(reset.out).toContain('The password of "judy" was reset');
			expect((await web.get('/')).status).toBe(303); // the old session is gone
			expect((await signIn(new WebClient(server.url), 'judy', 'judy-old-password')).status).toBe(400);
			expect((await signIn(new WebClient(server.url), 'judy', 'judy-new-password')).status).toBe(303);

			const generated = cli(['reset-password', 'judy']);
			expect(generated.code, generated.err).toBe(0);
			const password = /New password: (\S+)/.exec(generated.out)?.[1] ?? '';
			expect(password.length).toBeGreaterThanOrEqual(16);
			expect((await signIn(new WebClient(server.url), 'judy', password)).status).toBe(303);

			const unknown = cli(['reset-password', 'nobody', '--password-stdin'], 'some-password\n');
			expect(unknown.code).toBe(1);
			expect(unknown.err).toContain('No user named "nobody"');
			const weak = cli(['reset-password', 'judy', '--password-stdin'], 'short\n');
			expect(weak.code).toBe(2);
			expect(weak.err).toContain('Use at least 8 characters.');
			expect((await signIn(new WebClient(server.url), 'judy', password)).status).toBe(303); // unchanged
		} finally {
			await server.stop();
		}
	});
});
