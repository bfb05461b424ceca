import { afterAll, beforeAll, expect, test } from 'vitest';
import { register } from '../harness/accounts';
import { ApiClient } from '../harness/api-client';
import { freshDatabase, type TestDatabase } from '../harness/database';
import { startServer, type TestServer } from '../harness/server';
import { WebClient } from '../harness/web-client';

// What a new account and a new key get when nobody says otherwise: the installation's settings.
const ADMIN_TOKEN = 'defaults-admin-token-0123456789abcdef';

let db: TestDatabase;
let server: TestServer;
let admin: ApiClient;

beforeAll(async () => {
	db = await freshDatabase();
	server = await startServer({ env: { DATABASE_URL: db.url, ELYGATE_ADMIN_TOKEN: ADMIN_TOKEN, ELYGATE_ROOT_PASSWORD: 'root-password-1' } });
	admin = new ApiClient(server.url, { bearer: ADMIN_TOKEN });
});

afterAll(async () => {
	await server?.stop();
	await db?.drop();
});

test('self-registered users join the configured group with the configured balance, journaled', async () => {
	const refused = await admin.patch('/api/options', { 'accounts.signup_group': 'nobody-made-this' });
	expect(refused.status).toBe(400);
	expect(refused.body.error.field).toBe('accounts.signup_group');
	expect((await admin.get('/api/options')).body['accounts.signup_group']).toBe('default');

	expect((await admin.post('/api/groups', { name: 'newbies', ratio: 1.2 })).status).toBeLessThan(300);
	expect((await admin.patch('/api/options', { 'accounts.signup_group': 'newbies', 'billing.signup_quota': 750_000 })).status).toBe(200);
	await register(new WebClient(server.url), 'fresh', 'fresh-password-1');
	const [user] = await db.sql`select "group", quota::int8 as quota from users where username = 'fresh'`;
	expect(user).toEqual({ group: 'newbies', quota: '750000' });
	const changes = await db.sql`select reason, delta::int8 as delta from balance_changes where user_id = (select id from users where username = 'fresh')`;
	expect(changes).toEqual([{ reason: 'initial', delta: '750000' }]);
});

test('new keys that set no rate limit get the configured defaults; explicit ones are kept', async () => {
	const user = await admin.post('/api/users', { username: 'limited', password: 'limited-password-1' });
	const without = await admin.post('/api/keys', { name: 'before', userId: user.body.id });
	expect(without.body.apiKey).toMatchObject({ rpmLimit: null, tpmLimit: null });
	expect((await admin.patch('/api/options', { 'keys.default_rpm_limit': 30, 'keys.default_tpm_limit': 50_000 })).status).toBe(200);
	const defaulted = await admin.post('/api/keys', { name: 'defaulted', userId: user.body.id });
	expect(defaulted.body.apiKey).toMatchObject({ rpmLimit: 30, tpmLimit: 50_000 });
	const explicit = await admin.post('/api/keys', { name: 'explicit', userId: user.body.id, rpmLimit: 5, tpmLimit: null });
	expect(explicit.body.apiKey).toMatchObject({ rpmLimit: 5, tpmLimit: null });
	expect((await admin.patch('/api/options', { 'keys.default_rpm_limit': -1 })).status).toBe(400);
});
