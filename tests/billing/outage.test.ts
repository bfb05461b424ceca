import { afterAll, beforeAll, expect, test } from 'vitest';
import { ApiClient } from '../harness/api-client';
import { expectBooksBalance, expectBooksBalanceOnceDrained, ledgerFlushCounts } from '../harness/books';
import { freshDatabase, type TestDatabase } from '../harness/database';
import { eventually } from '../harness/eventually';
import { TEST_SECRET_KEY } from '../harness/fixtures';
import { startMockUpstream, type MockUpstream } from '../harness/mock-upstream';
import { startServer, type TestServer } from '../harness/server';
import { TcpProxy } from '../harness/tcp-proxy';

// The gateway reaches PostgreSQL only through a proxy the test can cut, restore, or make lose
// one answer; the database itself (shared by other tests) is never touched.
const ADMIN_TOKEN = 'outage-admin-token-0123456789abcdef';
const MAX_QUEUE = 100;
const COST = 10 + 5 * 2; // the mock's usage at model ratio 1, completion ratio 2

let db: TestDatabase;
let proxy: TcpProxy;
let server: TestServer;
let mock: MockUpstream;
let admin: ApiClient;
let key: string;
let userId: number;
const STARTING = 10_000_000;

beforeAll(async () => {
	db = await freshDatabase();
	mock = await startMockUpstream();
	mock.setDefault({ kind: 'ok', usage: { prompt_tokens: 10, completion_tokens: 5 } });
	const target = new URL(db.url);
	proxy = new TcpProxy(target.hostname, Number(target.port || 5432));
	await proxy.open();
	target.hostname = '127.0.0.1';
	target.port = String(proxy.port);
	server = await startServer({
		env: {
			DATABASE_URL: target.toString(),
			ELYGATE_SECRET_KEY: TEST_SECRET_KEY,
			ELYGATE_ADMIN_TOKEN: ADMIN_TOKEN,
			LEDGER_FLUSH_MS: '50',
			LEDGER_MAX_QUEUE: String(MAX_QUEUE)
		}
	});
	admin = new ApiClient(server.url, { bearer: ADMIN_TOKEN });
	expect((await admin.post('/api/channels', { type: 'openai', name: 'mock', baseUrl: `${mock.url}/v1`, models: ['outage-model'], keys: ['sk-upstream-outage-0001'] })).status).toBe(201);
	expect((await admin.post('/api/prices', { model: 'outage-model', modelRatio: 1, completionRatio: 2 })).status).toBe(200);
	const user = await admin.post('/api/users', { username: 'outage', password: 'outage-password', quota: STARTING });
	userId = user.body.id;
	key = (await admin.post('/api/keys', { name: 'k', userId })).body.key;
});

afterAll(async () => {
	await server?.stop();
	await proxy?.cut();
	await mock?.close();
	await db?.drop();
});

async function call(): Promise<{ status: number; requestId: string | null; code?: string }> {
	const res = await fetch(`${server.url}/v1/chat/completions`, {
		method: 'POST',
		headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
		body: JSON.stringify({ model: 'outage-model', messages: [{ role: 'user', content: 'hi' }], max_tokens: 5 })
	});
	const body = (await res.json()) as { error?: { code: string } };
	return { status: res.status, requestId: res.headers.get('x-request-id'), code: body.error?.code };
}

async function loggedIds(): Promise<string[]> {
	return (await db.sql`select request_id from request_logs where user_id = ${userId} order by request_id`).map((r) => r.request_id as string);
}

async function balance(): Promise<number> {
	const [row] = await db.sql`select quota::int8 as quota from users where id = ${userId}`;
	return Number(row!.quota);
}

test('ambiguous commit: a flush whose COMMIT is never acknowledged is retried and charges nothing twice', async () => {
	const lost = proxy.loseReplyTo('insert into request_logs');
	const answered = await Promise.all(Array.from({ length: 5 }, call));
	expect(answered.map((a) => a.status)).toEqual([200, 200, 200, 200, 200]);
	await lost;
	// The rows are in (the transaction committed) although the gateway never heard so...
	await eventually(async () => expect((await loggedIds()).length).toBe(5));
	// ...and its retry of the same batch inserted nothing and deducted nothing again.
	await eventually(async () => expect((await ledgerFlushCounts(server.url)).error).toBeGreaterThanOrEqual(1));
	await expectBooksBalanceOnceDrained(db.sql, [server.url]);
	expect(await loggedIds()).toEqual(answered.map((a) => a.requestId).sort());
	expect(await balance()).toBe(STARTING - 5 * COST);
	// The snapshot agrees: the gateway still serves and bills this user from the right balance.
	expect((await call()).status).toBe(200);
	await eventually(async () => expect(await balance()).toBe(STARTING - 6 * COST));
});

test('database unreachable under load: calls are served from the snapshot up to the queue cap, then 503; after recovery every answered call is logged once', async () => {
	const before = await loggedIds();
	const balanceBefore = await balance();
	const failedBefore = (await ledgerFlushCounts(server.url)).error;
	await proxy.cut();
	const answered: string[] = [];
	const refused: string[] = [];
	// Waves of concurrent calls until the ledger's queue is full and the gateway says so.
	for (let wave = 0; wave < 20 && refused.length === 0; wave++) {
		for (const result of await Promise.all(Array.from({ length: 25 }, call))) {
			if (result.status === 200 && result.requestId) answered.push(result.requestId);
			else {
				expect(result).toMatchObject({ status: 503, code: 'overloaded' });
				refused.push(result.requestId ?? '');
			}
		}
	}
	expect(refused.length).toBeGreaterThan(0);
	expect(answered.length).toBeGreaterThanOrEqual(MAX_QUEUE);
	// The ledger kept trying meanwhile, and nothing could be written.
	await eventually(async () => expect((await ledgerFlushCounts(server.url)).error).toBeGreaterThan(failedBefore + 1));
	expect(await loggedIds()).toEqual(before);

	await proxy.open();
	// The refusals are logged too, at no cost: at most relay.refusal_logs_per_minute (10) for the key.
	const refusalRows = Math.min(refused.length, 10);
	await eventually(async () => expect((await loggedIds()).length).toBe(before.length + answered.length + refusalRows), { timeout: 30_000 });
	await expectBooksBalanceOnceDrained(db.sql, [server.url], 30_000);
	const logged = await loggedIds();
	expect(logged.filter((id) => !refused.includes(id))).toEqual([...before, ...answered].sort());
	const refusals = await db.sql`select status, error_code, cost::int8 as cost from request_logs where request_id in ${db.sql(refused)}`;
	expect(refusals).toEqual(Array.from({ length: refusalRows }, () => ({ status: 503, error_code: 'overloaded', cost: '0' })));
	expect(await balance()).toBe(balanceBefore - answered.length * COST);
	// Back to normal service.
	await eventually(async () => expect((await call()).status).toBe(200));
	await expectBooksBalanceOnceDrained(db.sql, [server.url]);
	await expectBooksBalance(db.sql);
});
