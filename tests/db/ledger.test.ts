import postgres from 'postgres';
import { afterAll, beforeAll, beforeEach, expect, test } from 'vitest';
import { Ledger, type LedgerEntry } from '../../src/lib/server/billing/ledger';
import { createLogger } from '../../src/lib/server/observability/logger';
import { ledgerFlushes } from '../../src/lib/server/observability/metrics';
import { freshDatabase, type TestDatabase } from '../harness/database';
import { eventually } from '../harness/eventually';
import { TcpProxy } from '../harness/tcp-proxy';

let db: TestDatabase;
let ids: { user: number; key: number; channel: number };
const log = createLogger('silent', { json: true });
let serial = 0;

beforeAll(async () => {
	db = await freshDatabase({ migrated: true });
	const [user] = await db.sql`insert into users (username, password_hash) values ('ledger-user', 'x') returning id`;
	const [key] = await db.sql`insert into api_keys (user_id, name, key_hash, prefix) values (${user!.id}, 'k', 'h', 'p') returning id`;
	const [channel] = await db.sql`insert into channels (type, name, base_url) values ('openai', 'c', 'http://x') returning id`;
	ids = { user: user!.id, key: key!.id, channel: channel!.id };
});

afterAll(() => db?.drop());

beforeEach(async () => {
	await db.sql`delete from request_logs`;
	await db.sql`update users set request_count = 0, used_quota = 0`;
	await db.sql`update api_keys set request_count = 0, used_quota = 0, last_used_at = null`;
	await db.sql`update channels set request_count = 0, used_quota = 0`;
});

function entry(over: Partial<LedgerEntry> = {}): LedgerEntry {
	return {
		requestId: `req_ledger_${serial++}`,
		clientRequestId: null,
		createdAt: new Date(),
		userId: ids.user,
		apiKeyId: ids.key,
		channelId: ids.channel,
		model: 'gpt-4o-mini',
		upstreamModel: 'gpt-4o-mini',
		door: 'chat',
		stream: false,
		promptTokens: 10,
		completionTokens: 5,
		cacheReadTokens: 0,
		cacheWriteTokens: 0,
		reasoningTokens: 0,
		estimated: false,
		modelRatio: null,
		completionRatio: null,
		groupRatio: null,
		cacheReadRatio: null,
		cacheWriteRatio: null,
		pricePerRequestUsd: null,
		cost: 0,
		status: 200,
		latencyMs: 12,
		firstTokenMs: 3,
		attempts: 1,
		error: null,
		clientIp: '127.0.0.1',
		...over
	};
}

async function failedFlushes(): Promise<number> {
	const metric = await ledgerFlushes.get();
	return metric.values.find((v) => v.labels.result === 'error')?.value ?? 0;
}

async function counts() {
	const [row] = await db.sql`
		select (select count(*)::int from request_logs) as logs,
			(select request_count::int from users where id = ${ids.user}) as user_requests,
			(select request_count::int from api_keys where id = ${ids.key}) as key_requests,
			(select request_count::int from channels where id = ${ids.channel}) as channel_requests,
			(select last_used_at from api_keys where id = ${ids.key}) as last_used`;
	return row!;
}

test('a batch lands as log rows plus per-user, per-key and per-channel counts', async () => {
	const sql = postgres(db.url, { max: 1, onnotice: () => {} });
	const ledger = new Ledger(sql, log, { intervalMs: 20, batchSize: 100 });
	const pushed = Array.from({ length: 250 }, (_, i) => entry({ stream: i % 2 === 0, error: i === 7 ? 'boom' : null, apiKeyId: i === 9 ? null : ids.key }));
	for (const e of pushed) ledger.push(e);
	await ledger.drain();
	const c = await counts();
	expect(c).toMatchObject({ logs: 250, user_requests: 250, key_requests: 249, channel_requests: 250 });
	expect(c.last_used).toBeInstanceOf(Date);
	const [row] = await db.sql`select * from request_logs where request_id = ${pushed[7]!.requestId}`;
	expect(row).toMatchObject({ error: 'boom', stream: false, prompt_tokens: 10, completion_tokens: 5, client_ip: '127.0.0.1', estimated: false });
	expect(ledger.depth).toBe(0);
	await ledger.close();
	await sql.end();
});

test('the same request id is written and counted once, whether repeated in a batch or across flushes', async () => {
	const sql = postgres(db.url, { max: 1, onnotice: () => {} });
	const ledger = new Ledger(sql, log, { intervalMs: 10 });
	const once = entry();
	ledger.push(once);
	ledger.push({ ...once });
	await ledger.drain();
	// A retried flush after an ambiguous commit sends the same rows again.
	ledger.push({ ...once });
	await ledger.drain();
	expect(await counts()).toMatchObject({ logs: 1, user_requests: 1, key_requests: 1, channel_requests: 1 });
	await ledger.close();
	await sql.end();
});

test('a failed flush keeps its entries and writes them once the database is back; a full queue says so', async () => {
	const target = new URL(db.url);
	const proxy = new TcpProxy(target.hostname, Number(target.port || 5432));
	await proxy.open();
	target.hostname = '127.0.0.1';
	target.port = String(proxy.port);
	const sql = postgres(target.toString(), { max: 1, connect_timeout: 2, onnotice: () => {} });
	const ledger = new Ledger(sql, log, { intervalMs: 20, maxQueue: 30 });
	try {
		ledger.push(entry());
		await eventually(async () => expect((await counts()).logs).toBe(1));
		await proxy.cut();
		for (let i = 0; i < 29; i++) ledger.push(entry());
		expect(ledger.full).toBe(false);
		ledger.push(entry());
		expect(ledger.full).toBe(true);
		const failedBefore = await failedFlushes();
		await eventually(async () => expect(await failedFlushes()).toBeGreaterThanOrEqual(failedBefore + 2));
		expect((await counts()).logs).toBe(1);
		expect(ledger.depth).toBe(30);
		await proxy.open();
		await eventually(async () => expect(await counts()).toMatchObject({ logs: 31, user_requests: 31 }), { timeout: 20_000 });
		expect(ledger.depth).toBe(0);
		expect(ledger.full).toBe(false);
	} finally {
		await ledger.close().catch(() => {});
		await sql.end({ timeout: 1 });
		await proxy.cut();
	}
});

test('a flush that gets no answer is given up after its timeout and retried; the late commit is not charged twice', async () => {
	const target = new URL(db.url);
	const proxy = new TcpProxy(target.hostname, Number(target.port || 5432));
	await proxy.open();
	target.hostname = '127.0.0.1';
	target.port = String(proxy.port);
	const sql = postgres(target.toString(), { max: 2, connect_timeout: 2, onnotice: () => {} });
	const ledger = new Ledger(sql, log, { intervalMs: 20, flushTimeoutMs: 300 });
	try {
		ledger.push(entry());
		await eventually(async () => expect((await counts()).logs).toBe(1));
		const failedBefore = await failedFlushes();
		proxy.stalled = true;
		ledger.push(entry({ cost: 5 }));
		// The statement runs and commits; only its answer is lost, so the ledger times out.
		await eventually(async () => expect(await failedFlushes()).toBeGreaterThan(failedBefore));
		expect(ledger.depth).toBe(1);
		proxy.stalled = false;
		await eventually(() => expect(ledger.depth).toBe(0), { timeout: 10_000 });
		expect(await counts()).toMatchObject({ logs: 2, user_requests: 2 });
		const [user] = await db.sql`select used_quota::int from users where id = ${ids.user}`;
		expect(user!.used_quota).toBe(5);
	} finally {
		await ledger.close().catch(() => {});
		await sql.end({ timeout: 1 });
		await proxy.cut();
	}
});
