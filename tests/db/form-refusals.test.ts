import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { register, signIn } from '../harness/accounts';
import { freshDatabase, type TestDatabase } from '../harness/database';
import { startServer, type TestServer } from '../harness/server';
import { WebClient } from '../harness/web-client';

let db: TestDatabase;
let server: TestServer;

beforeAll(async () => {
	db = await freshDatabase();
	server = await startServer({ env: { DATABASE_URL: db.url, ELYGATE_ROOT_PASSWORD: 'root-password-1' } });
});

afterAll(async () => {
	await server?.stop();
	await db?.drop();
});

/** A time that has passed, as the forms' datetime-local field writes it. */
const PAST = '2001-02-03T04:05';

describe("a service's refusal on a page", () => {
	test("the admin form shows the error's detail beside its field, not the API's \"field: \" message", async () => {
		const web = new WebClient(server.url);
		expect((await signIn(web, 'root', 'root-password-1')).status).toBe(303);
		const res = await web.postForm('/admin/tokens?/create', { name: 'ci', scope: 'read', expiresAt: PAST, tzOffset: '0' });
		expect(res.status).toBe(400);
		const html = await res.text();
		expect(html).toContain('the expiry must be in the future');
		expect(html).not.toContain('expiresAt: the expiry must be in the future');
		expect(await db.sql`select id from management_tokens`).toHaveLength(0);
	});

	test('a refusal that names no field is shown as the alert above the form', async () => {
		const web = new WebClient(server.url);
		await register(web, 'ada');
		await db.sql`update users set role = 'admin' where username = 'ada'`;
		expect((await signIn(web, 'ada', 'correct horse 1')).status).toBe(303);
		// Admins read the settings; only root changes them, which the service itself refuses.
		const res = await web.postForm('/admin/settings', { siteName: 'Renamed' });
		const html = await res.text();
		expect(res.status, html.slice(0, 300)).toBe(403);
		expect(html).toMatch(/role="alert"[^>]*>Only root may do this\.</);
		expect(await db.sql`select value from options where key = 'site.name'`).toHaveLength(0);
	});

	test("a user's key form does the same for the user's own pages", async () => {
		const web = new WebClient(server.url);
		await register(web, 'dora');
		const res = await web.postForm('/keys/new', { name: 'laptop', expiresAt: PAST, tzOffset: '0' });
		expect(res.status).toBe(400);
		const html = await res.text();
		expect(html).toContain('the expiry must be in the future');
		expect(html).not.toContain('expiresAt: the expiry must be in the future');
	});
});
