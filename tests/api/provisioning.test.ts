import OpenAI from 'openai';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { ApiClient } from '../harness/api-client';
import { freshDatabase, type TestDatabase } from '../harness/database';
import { eventually } from '../harness/eventually';
import { startMockUpstream, type MockUpstream } from '../harness/mock-upstream';
import { startServer, type TestServer } from '../harness/server';

const ADMIN_TOKEN = 'provisioning-token-0123456789abcdefghij';

let db: TestDatabase;
let mock: MockUpstream;
let server: TestServer;
let api: ApiClient;

beforeAll(async () => {
	db = await freshDatabase();
	mock = await startMockUpstream();
	// Nothing but the admin token: no root password, no secret key given, no fixtures.
	server = await startServer({ env: { DATABASE_URL: db.url, ELYGATE_ADMIN_TOKEN: ADMIN_TOKEN } });
	api = new ApiClient(server.url, { bearer: ADMIN_TOKEN });
});

afterAll(async () => {
	await server?.stop();
	await mock?.close();
	await db?.drop();
});

test('provisioning over HTTP with only ELYGATE_ADMIN_TOKEN, then a call with the openai package', async () => {
	const channel = await api.post('/api/channels', {
		type: 'openai',
		name: 'mock',
		baseUrl: mock.url,
		models: ['gpt-4o-mini'],
		keys: ['sk-upstream-provisioned-0001']
	});
	expect(channel.status).toBe(201);
	// gpt-4o-mini is in the default table seeded at first start: this sets the admin's own price over it.
	const priced = await api.post('/api/prices', { model: 'gpt-4o-mini', modelRatio: 0.1, completionRatio: 4 });
	expect(priced.status).toBe(200);
	expect(priced.body).toMatchObject({ model: 'gpt-4o-mini', modelRatio: 0.1, source: null });
	const user = await api.post('/api/users', { username: 'customer', password: 'customer-password', quota: 5_000_000 });
	expect(user.status).toBe(201);
	const key = await api.post('/api/keys', { name: 'production', userId: user.body.id });
	expect(key.status).toBe(201);

	// The key works at once: the instance that made it applied the change before answering.
	const client = new OpenAI({ baseURL: `${server.url}/v1`, apiKey: key.body.key, maxRetries: 0 });
	const completion = await client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hello' }] });
	expect(completion.choices[0]?.message.content).toBe('Hello from the mock.');
	expect(mock.requests[0]?.headers.authorization).toBe('Bearer sk-upstream-provisioned-0001');

	// A masked secret sent back keeps the stored secret: the upstream still gets the original.
	const read = await api.get(`/api/channels/${channel.body.id}`);
	expect(read.body.keys.map((k: { hint: string }) => k.hint)).toEqual(['sk-…0001']);
	const saved = await api.patch(`/api/channels/${channel.body.id}`, { name: 'mock (renamed)', keys: read.body.keys.map((k: { hint: string }) => k.hint) });
	expect(saved.status).toBe(200);
	mock.reset();
	await client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'again' }] });
	expect(mock.requests[0]?.headers.authorization).toBe('Bearer sk-upstream-provisioned-0001');

	// Disabling the user refuses their key at once.
	expect((await api.patch(`/api/users/${user.body.id}`, { enabled: false })).status).toBe(200);
	await expect(client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'x' }] })).rejects.toMatchObject({
		status: 403,
		code: 'account_disabled'
	});
	// Deleting the key as well.
	expect((await api.patch(`/api/users/${user.body.id}`, { enabled: true })).status).toBe(200);
	expect((await client.models.list()).data.map((m) => m.id)).toEqual(['gpt-4o-mini']);
	expect((await api.delete(`/api/keys/${key.body.apiKey.id}`)).status).toBe(204);
	await expect(client.models.list()).rejects.toMatchObject({ status: 401 });
	// And the audit log saw every write, without the secrets.
	const audit = await api.get('/api/audit?perPage=100');
	expect(audit.body.items.map((e: { action: string }) => e.action)).toEqual(
		expect.arrayContaining(['channel.create', 'channel.update', 'price.update', 'user.create', 'api_key.create', 'user.update', 'api_key.delete'])
	);
	expect(JSON.stringify(audit.body)).not.toContain('sk-upstream-provisioned');
	expect(JSON.stringify(audit.body)).not.toContain(key.body.key);
});

test('a change made through one instance reaches another over NOTIFY', async () => {
	const other = await startServer({ dataDir: server.dataDir, env: { DATABASE_URL: db.url, ELYGATE_ADMIN_TOKEN: ADMIN_TOKEN } });
	try {
		const user = await api.post('/api/users', { username: 'second-instance', password: 'second-password' });
		const key = await api.post('/api/keys', { name: 'k', userId: user.body.id });
		const viaOther = new OpenAI({ baseURL: `${other.url}/v1`, apiKey: key.body.key, maxRetries: 0 });
		await eventually(async () => expect((await viaOther.models.list()).data.length).toBeGreaterThan(0));
		const channels = await api.get('/api/channels');
		for (const c of channels.body.items) expect((await api.post(`/api/channels/${c.id}/disable`, { reason: 'test' })).status).toBe(200);
		await eventually(async () => expect((await viaOther.models.list()).data).toEqual([]));
	} finally {
		await other.stop();
	}
});
