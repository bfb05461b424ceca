import OpenAI from 'openai';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { SYSTEM } from '../../src/lib/server/services/actor';
import { setChannelEnabled } from '../../src/lib/server/services/channels';
import { freshDatabase, type TestDatabase } from '../harness/database';
import { eventually } from '../harness/eventually';
import { TEST_SECRET_KEY, fixtures, keyIsLive, modelIsListed, openaiChannel, priceModels, userWithKey, type Fixtures } from '../harness/fixtures';
import { startMockUpstream, type MockUpstream } from '../harness/mock-upstream';
import { sample, scrapeMetrics } from '../harness/metrics';
import { startServer, type TestServer } from '../harness/server';
import { TcpProxy } from '../harness/tcp-proxy';

let db: TestDatabase;
let fx: Fixtures;
let primary: MockUpstream;
let backup: MockUpstream;
const servers: TestServer[] = [];

beforeAll(async () => {
	db = await freshDatabase();
	fx = fixtures(db.url);
	[primary, backup] = await Promise.all([startMockUpstream(), startMockUpstream()]);
	const env = { DATABASE_URL: db.url, ELYGATE_SECRET_KEY: TEST_SECRET_KEY };
	servers.push(...(await Promise.all([startServer({ env }), startServer({ env })])));
});

afterAll(async () => {
	await Promise.all(servers.map((s) => s.stop()));
	await Promise.all([primary?.close(), backup?.close()]);
	await fx?.close();
	await db?.drop();
});

const notifications = async (server: TestServer) => {
	return sample(await scrapeMetrics(server.url), 'elygate_state_notifications_total');
};

test('two instances on one database: a change made through the service layer reaches the other over NOTIFY', async () => {
	const [a, b] = servers as [TestServer, TestServer];
	const main = await openaiChannel(fx, `${primary.url}/v1`, { priority: 10 });
	await openaiChannel(fx, `${backup.url}/v1`, { priority: 0 });
	await priceModels(fx, ['gpt-4o-mini']);
	const { key } = await userWithKey(fx);
	await keyIsLive(a.url, key);
	await keyIsLive(b.url, key);
	const call = (server: TestServer) =>
		new OpenAI({ baseURL: `${server.url}/v1`, apiKey: key, maxRetries: 0 }).chat.completions.create({
			model: 'gpt-4o-mini',
			messages: [{ role: 'user', content: 'hi' }]
		});

	// Both instances route to the higher-priority channel.
	await eventually(async () => {
		primary.reset();
		await Promise.all([call(a), call(b)]);
		expect(primary.requests).toHaveLength(2);
	});

	const before = await Promise.all([notifications(a), notifications(b)]);
	await setChannelEnabled(fx, SYSTEM, main.id, false, 'maintenance');
	await eventually(async () => {
		expect(await notifications(a)).toBeGreaterThan(before[0]);
		expect(await notifications(b)).toBeGreaterThan(before[1]);
	});

	for (const server of [a, b]) {
		await eventually(async () => {
			backup.reset();
			await call(server);
			expect(backup.requests).toHaveLength(1);
		});
	}
	primary.reset();
	backup.reset();
	for (let i = 0; i < 5; i++) await Promise.all([call(a), call(b)]);
	expect(primary.requests).toHaveLength(0);
	expect(backup.requests).toHaveLength(10);
});

test('a LISTEN connection that drops and comes back reloads the whole snapshot (notifications sent meanwhile are lost)', async () => {
	const target = new URL(db.url);
	const proxy = new TcpProxy(target.hostname, Number(target.port || 5432));
	await proxy.open();
	target.hostname = '127.0.0.1';
	target.port = String(proxy.port);
	const cut = await startServer({ env: { DATABASE_URL: target.toString(), ELYGATE_SECRET_KEY: TEST_SECRET_KEY } });
	try {
		const { key } = await userWithKey(fx);
		const mock = await startMockUpstream();
		try {
			await keyIsLive(cut.url, key);
			await proxy.cut();
			// Made while the instance cannot hear it: only a full reload can reveal it.
			await openaiChannel(fx, `${mock.url}/v1`, { models: ['late-model'] });
			await priceModels(fx, ['late-model']);
			await proxy.open();
			await modelIsListed(cut.url, key, 'late-model');
			expect(cut.records().some((r) => r.msg === 'state LISTEN reconnected: reloading the whole snapshot')).toBe(true);
		} finally {
			await mock.close();
		}
	} finally {
		await cut.stop();
		await proxy.cut();
	}
});
