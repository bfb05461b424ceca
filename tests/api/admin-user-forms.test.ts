import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { signIn } from '../harness/accounts';
import { ApiClient } from '../harness/api-client';
import { freshDatabase, type TestDatabase } from '../harness/database';
import { startServer, type TestServer } from '../harness/server';
import { WebClient } from '../harness/web-client';

// The console's user forms, posted as a browser without JavaScript would: who may create whom
// (the API's own rules, said beside the field), and the bulk enable / disable of the users list.
const ADMIN_TOKEN = 'user-forms-admin-token-0123456789abcdef';
const ROOT_PASSWORD = 'root-password-1';

let db: TestDatabase;
let server: TestServer;
let api: ApiClient;
const ids: Record<string, number> = {};

beforeAll(async () => {
	db = await freshDatabase();
	server = await startServer({ env: { DATABASE_URL: db.url, ELYGATE_ROOT_PASSWORD: ROOT_PASSWORD, ELYGATE_ADMIN_TOKEN: ADMIN_TOKEN } });
	api = new ApiClient(server.url, { bearer: ADMIN_TOKEN });
	for (const [username, role] of [['ada', 'admin'], ['bea', 'admin'], ['carl', 'user'], ['dina', 'user']] as const) {
		const made = await api.post('/api/users', { username, password: `${username}-password-1`, role });
		expect(made.status).toBe(201);
		ids[username] = made.body.id;
	}
	ids.root = Number((await db.sql`select id from users where username = 'root'`)[0]!.id);
	expect((await api.post('/api/groups', { name: 'vip', ratio: 0.8 })).status).toBeLessThan(300);
});

afterAll(async () => {
	await server?.stop();
	await db?.drop();
});

/** Signed in on a device that chose `locale` (which becomes the account's language too). */
async function as(username: string, password: string, locale = 'en'): Promise<WebClient> {
	const web = new WebClient(server.url);
	web.cookies.set('elygate_locale', locale);
	expect((await signIn(web, username, password)).status).toBe(303);
	return web;
}

/** A form post with repeated fields (ticked checkboxes), as a browser sends it. */
function postPairs(web: WebClient, path: string, pairs: Array<[string, string]>): Promise<Response> {
	return fetch(new URL(path, server.url), {
		method: 'POST',
		redirect: 'manual',
		headers: {
			'content-type': 'application/x-www-form-urlencoded',
			origin: server.url,
			accept: 'text/html',
			cookie: [...web.cookies].map(([k, v]) => `${k}=${v}`).join('; ')
		},
		body: new URLSearchParams(pairs).toString()
	});
}

const newUser = (username: string, role: string, extra: Record<string, string> = {}) => ({
	username,
	displayName: '',
	email: '',
	password: `${username}-password-1`,
	role,
	group: 'default',
	initialUsd: '0',
	...extra
});

const userRow = async (username: string) =>
	(await db.sql`select id, role, "group", display_name, quota::int8 as quota, status from users where username = ${username} and deleted_at is null`)[0];

describe('creating a user from the console', () => {
	test('root creates administrators and root accounts; the audit log names root', async () => {
		const root = await as('root', ROOT_PASSWORD);
		const res = await root.postForm('/admin/users/new', newUser('new-admin', 'admin', { displayName: 'New Admin', group: 'vip', initialUsd: '2.5' }));
		expect(res.status).toBe(303);
		const row = await userRow('new-admin');
		expect(res.headers.get('location')).toBe(`/admin/users/${row!.id}?created=1`);
		expect(row).toMatchObject({ role: 'admin', group: 'vip', display_name: 'New Admin', quota: '1250000' });
		const [change] = await db.sql`select reason, delta::int8 as delta, actor_id from balance_changes where user_id = ${row!.id}`;
		expect(change).toEqual({ reason: 'initial', delta: '1250000', actor_id: ids.root });
		const audit = await db.sql`select actor_kind, actor_id from audit_log where action = 'user.create' and target_id = ${String(row!.id)}`;
		expect(audit).toEqual([{ actor_kind: 'user', actor_id: ids.root }]);
		const page = await root.page(`/admin/users/${row!.id}?created=1`);
		expect(page).toContain('Created the account new-admin.');

		expect((await root.postForm('/admin/users/new', newUser('new-root', 'root'))).status).toBe(303);
		expect((await userRow('new-root'))?.role).toBe('root');
	});

	test('an administrator creates users only: admin and root are refused beside the role, nothing is written', async () => {
		const ada = await as('ada', 'ada-password-1');
		const form = await ada.page('/admin/users/new');
		// The role select offers what the viewer may grant, nothing more.
		expect(form).toContain('<option value="user"');
		expect(form).not.toContain('<option value="admin"');
		const before = await db.sql`select count(*)::int as n from users`;
		for (const role of ['admin', 'root']) {
			const res = await ada.postForm('/admin/users/new', newUser(`sneaky-${role}`, role));
			expect(res.status, role).toBe(403);
			const html = await res.text();
			expect(html).toMatch(/id="[^"]+-role-error"[^>]*role="alert"[^>]*>Only root may do this\./);
		}
		expect(await db.sql`select count(*)::int as n from users`).toEqual(before);
		expect(await db.sql`select 1 from audit_log where action = 'user.create' and actor_id = ${ids.ada!}`).toHaveLength(0);

		const ok = await ada.postForm('/admin/users/new', newUser('made-by-ada', 'user'));
		expect(ok.status).toBe(303);
		expect((await userRow('made-by-ada'))?.role).toBe('user');
		expect(await db.sql`select 1 from audit_log where action = 'user.create' and actor_id = ${ids.ada!}`).toHaveLength(1);
	});

	test('a plain user may neither open nor post the form', async () => {
		const carl = await as('carl', 'carl-password-1');
		expect((await carl.get('/admin/users/new')).status).toBe(403);
		expect((await carl.postForm('/admin/users/new', newUser('by-carl', 'user'))).status).toBe(403);
		expect(await userRow('by-carl')).toBeUndefined();
	});

	test('a taken username and a short password are refused beside their fields, in the page language', async () => {
		const root = await as('root', ROOT_PASSWORD, 'zh-CN');
		const short = await root.postForm('/admin/users/new', newUser('shorty', 'user', { password: 'short' }));
		expect(short.status).toBe(400);
		expect(await short.text()).toContain('至少使用 8 个字符。');
		const taken = await root.postForm('/admin/users/new', newUser('CARL', 'user'));
		expect(taken.status).toBe(409);
		const html = await taken.text();
		expect(html).toContain('该用户名已被占用。');
		expect(html).not.toContain('carl-password-1'); // the typed password is never sent back
		expect(await userRow('shorty')).toBeUndefined();
	});
});

describe('bulk enable and disable', () => {
	test("an administrator's bulk disable skips administrators, root and themself, and audits each change", async () => {
		const ada = await as('ada', 'ada-password-1');
		const carl = await as('carl', 'carl-password-1');
		const res = await ada.postForm('/admin/users?/bulk', {}); // nothing ticked
		expect(res.status).toBe(400);
		const posted = await postPairs(ada, '/admin/users?/bulk', [
			['op', 'disable'],
			...[ids.root, ids.bea, ids.ada, ids.carl, ids.dina].map((id): [string, string] => ['ids', String(id)])
		]);
		expect(posted.status).toBe(200);
		const html = await posted.text();
		expect(html).toContain('Disabled: carl and dina.');
		expect(html).toContain('only root changes administrators: root and bea');
		expect(html).toContain('your own account, which you cannot disable');
		const statuses = Object.fromEntries((await db.sql`select username, status from users where username in ('root', 'bea', 'ada', 'carl', 'dina')`).map((r) => [r.username, r.status]));
		expect(statuses).toEqual({ root: 'active', bea: 'active', ada: 'active', carl: 'disabled', dina: 'disabled' });
		const audit = await db.sql`select target_id, before->>'status' as was, after->>'status' as now from audit_log where action = 'user.update' and actor_id = ${ids.ada!} order by target_id::int`;
		expect(audit).toEqual([ids.carl, ids.dina].map((id) => ({ target_id: String(id), was: 'active', now: 'disabled' })));
		// Disabling signed carl out.
		expect((await carl.get('/')).status).toBe(303);

		// Enabling them again; the administrator among them is still left alone.
		const again = await postPairs(ada, '/admin/users?/bulk', [
			['op', 'enable'],
			['ids', String(ids.carl)],
			['ids', String(ids.dina)],
			['ids', String(ids.bea)]
		]);
		const text = await again.text();
		expect(text).toContain('Enabled: carl and dina.');
		expect(text).toContain('only root changes administrators: bea');
		expect((await db.sql`select count(*)::int as n from users where status = 'disabled'`)[0]!.n).toBe(0);
	});

	test('root cannot disable their own account, alone or in bulk', async () => {
		const root = await as('root', ROOT_PASSWORD);
		const single = await root.postForm(`/admin/users/${ids.root}?/edit`, { role: 'root', group: 'default', status: 'disabled' });
		expect(single.status).toBe(403);
		expect(await single.text()).toContain('You cannot disable your own account.');
		const bulk = await root.postForm('/admin/users?/bulk', { op: 'disable', ids: String(ids.root) });
		expect(await bulk.text()).toContain('your own account, which you cannot disable');
		expect((await userRow('root'))?.status).toBe('active');
		// A user who already has the status is named, and gets no audit entry.
		const audited = async () => (await db.sql`select count(*)::int as n from audit_log where action = 'user.update'`)[0]!.n;
		const before = await audited();
		const same = await root.postForm('/admin/users?/bulk', { op: 'enable', ids: String(ids.carl) });
		expect(await same.text()).toContain('Already so: carl.');
		expect(await audited()).toBe(before);
	});
});
