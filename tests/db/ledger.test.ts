import postgres from 'postgres';
import { afterAll, beforeAll, beforeEach, expect, test } from 'vitest';
import { Ledger, type LedgerEntry } from '../../src/lib/server/billing/ledger';
import { createPool } from '../../src/lib/server/db/client';
import { createLogger } from '../../src/lib/server/observability/logger';
import { ledgerDeadLetters, ledgerFlushes } from '../../src/lib/server/observability/metrics';
import { freshDatabase, type TestDatabase } from '../harness/database';
import { eventually } from '../harness/eventually';
import { proxyInFrontOf } from '../harness/tcp-proxy';
import { ledgerEntry } from '../../src/lib/server/testing/ledger-entry';

let db: TestDatabase;
let ids: { user: number; key: number; channel: number };
const log = createLogger('silent', { json: true });

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
	await db.sql`delete from ledger_dead_letters`;
	await db.sql`delete from usage_daily`;
	await db.sql`update users set request_count = 0, used_quota = 0`;
	await db.sql`update api_keys set request_count = 0, used_quota = 0, last_used_at = null`;
	await db.sql`update channels set request_count = 0, used_quota = 0`;
});

function entry(over: Partial<LedgerEntry> = {}): LedgerEntry {
	return ledgerEntry({ createdAt: new Date(), userId: ids.user, apiKeyId: ids.key, channelId: ids.channel, ...over });
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
	expect(row).toMatchObject({ error: 'boom', stream: false, prompt_tokens: '10', completion_tokens: '5', client_ip: '127.0.0.1', estimated: false });
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
	const { proxy, url } = await proxyInFrontOf(db.url);
	const sql = postgres(url, { max: 1, connect_timeout: 2, onnotice: () => {} });
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
	const { proxy, url } = await proxyInFrontOf(db.url);
	const sql = postgres(url, { max: 2, connect_timeout: 2, onnotice: () => {} });
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

async function deadLetterCount(): Promise<number> {
	return (await ledgerDeadLetters.get()).values[0]?.value ?? 0;
}

/** The ledger's own kind of connection: the app shares it with Drizzle, which changes its serializers. */
function ledgerSql(url = db.url): postgres.Sql {
	return createPool(url, { max: 1, connectTimeout: 2 }).sql;
}

/** A ledger that records what it reports as written and as set aside, entry by entry. */
function recordingLedger(sql: postgres.Sql, opts: { batchSize?: number; intervalMs?: number } = {}) {
	const flushed: string[] = [];
	const quarantined: string[] = [];
	const ledger = new Ledger(sql, log, {
		intervalMs: opts.intervalMs ?? 10_000, // only drain() writes, so each test knows its batches
		batchSize: opts.batchSize ?? 1000,
		onFlushed: (batch) => flushed.push(...batch.map((e) => e.requestId)),
		onQuarantined: (e) => quarantined.push(e.requestId)
	});
	return { ledger, flushed, quarantined };
}

async function userSpend() {
	const [row] = await db.sql`select used_quota::int8 as used, request_count::int as n from users where id = ${ids.user}`;
	return { used: Number(row!.used), n: row!.n as number };
}

test('token counts beyond a 32-bit integer are written (the columns are bigint) and summed in the daily rollup', async () => {
	const sql = ledgerSql();
	const { ledger, flushed } = recordingLedger(sql);
	const big = entry({ promptTokens: 3_000_000_000, completionTokens: 2_500_000_000, reasoningTokens: 2_200_000_000, cost: 7 });
	const other = entry({ promptTokens: 10 });
	ledger.push(big);
	ledger.push(other);
	await ledger.drain();
	expect(flushed).toEqual([big.requestId, other.requestId]);
	const [row] = await db.sql`select prompt_tokens::text, completion_tokens::text, reasoning_tokens::text from request_logs where request_id = ${big.requestId}`;
	expect(row).toEqual({ prompt_tokens: '3000000000', completion_tokens: '2500000000', reasoning_tokens: '2200000000' });
	const [day] = await db.sql`select sum(prompt_tokens)::text as prompt from usage_daily where user_id = ${ids.user}`;
	expect(day!.prompt).toBe('3000000010');
	await ledger.close();
	await sql.end();
});

test('an entry the database refuses goes to the dead letters with its reason; the rest of its batch is written exactly once', async () => {
	await db.sql`alter table request_logs add constraint test_refuses_poison check (model <> 'poison')`;
	const sql = ledgerSql();
	const { ledger, flushed, quarantined } = recordingLedger(sql);
	const deadBefore = await deadLetterCount();
	try {
		const good = Array.from({ length: 20 }, (_, i) => entry({ cost: i + 1 }));
		const poison = entry({ model: 'poison', cost: 1000, clientIp: '198.51.100.7' });
		const batch = [...good.slice(0, 13), poison, ...good.slice(13)];
		for (const e of batch) ledger.push(e);
		await ledger.drain();
		expect(ledger.depth).toBe(0);
		// Every good entry is reported written once (the wallet releases each once), the bad one set aside once.
		expect(flushed.toSorted()).toEqual(good.map((e) => e.requestId).toSorted());
		expect(quarantined).toEqual([poison.requestId]);
		expect(await counts()).toMatchObject({ logs: 20, user_requests: 20, key_requests: 20, channel_requests: 20 });
		// It charged nothing: the user paid for the good entries only.
		expect(await userSpend()).toEqual({ used: (20 * 21) / 2, n: 20 });
		const [dead] = await db.sql`select * from ledger_dead_letters`;
		expect(dead).toMatchObject({
			request_id: poison.requestId,
			user_id: ids.user,
			sqlstate: '23514',
			reason: 'new row for relation "request_logs" violates check constraint "test_refuses_poison"'
		});
		// The batch, then each half down to the entry: more than one failed write included it.
		expect(dead!.attempts).toBeGreaterThan(1);
		expect(dead!.first_failed_at).toBeInstanceOf(Date);
		expect(dead!.entry).toMatchObject({ requestId: poison.requestId, model: 'poison', cost: 1000, clientIp: '198.51.100.7', createdAt: poison.createdAt.toISOString() });
		expect(await deadLetterCount()).toBe(deadBefore + 1);
		// Pushed again (a duplicate), it is refused again and only counted.
		ledger.push({ ...poison });
		await ledger.drain();
		const [again] = await db.sql`select count(*)::int as n, max(attempts) as attempts from ledger_dead_letters`;
		expect(again).toMatchObject({ n: 1 });
		expect(again!.attempts).toBeGreaterThan(dead!.attempts);
	} finally {
		await ledger.close();
		await sql.end();
		await db.sql`alter table request_logs drop constraint test_refuses_poison`;
	}
});

test('several refused entries in one batch are each set aside; an entry that cannot even be encoded is too', async () => {
	const sql = ledgerSql();
	const { ledger, flushed, quarantined } = recordingLedger(sql);
	try {
		const good = Array.from({ length: 30 }, () => entry({ cost: 2 }));
		// PostgreSQL text cannot hold a NUL character; a NaN cost is not a number it can take.
		const nul = entry({ error: 'upstream said \u0000' });
		const nan = entry({ cost: Number.NaN });
		const outOfRange = entry({ latencyMs: 2 ** 40 });
		const batch = [nul, ...good.slice(0, 10), nan, ...good.slice(10, 29), outOfRange, good[29]!];
		for (const e of batch) ledger.push(e);
		await ledger.drain();
		expect(flushed.toSorted()).toEqual(good.map((e) => e.requestId).toSorted());
		expect(quarantined.toSorted()).toEqual([nul, nan, outOfRange].map((e) => e.requestId).toSorted());
		expect(await userSpend()).toEqual({ used: 60, n: 30 });
		const dead = await db.sql`select request_id, sqlstate, reason, entry from ledger_dead_letters`;
		const byId = new Map(dead.map((d) => [d.request_id as string, d]));
		expect(byId.get(nul.requestId)).toMatchObject({ sqlstate: '22021', entry: { error: 'upstream said \uFFFD' } });
		expect(byId.get(nan.requestId)).toMatchObject({ sqlstate: null, reason: 'NaN is not a valid int8', entry: { cost: 'NaN' } });
		expect(byId.get(outOfRange.requestId)).toMatchObject({ sqlstate: '22003', reason: 'value "…" is out of range for type integer' });
	} finally {
		await ledger.close();
		await sql.end();
	}
});

test('a refused entry found while the database is unreachable waits, and is set aside once it is back; good entries are written once', async () => {
	const { proxy, url } = await proxyInFrontOf(db.url);
	const sql = ledgerSql(url);
	const { ledger, flushed, quarantined } = recordingLedger(sql, { intervalMs: 20 });
	try {
		ledger.push(entry());
		await eventually(async () => expect((await counts()).logs).toBe(1));
		await proxy.cut();
		const failedBefore = await failedFlushes();
		const later = [entry({ cost: 3 }), entry({ cost: Number.POSITIVE_INFINITY }), entry({ cost: 4 })];
		for (const e of later) ledger.push(e);
		await eventually(async () => expect(await failedFlushes()).toBeGreaterThan(failedBefore));
		expect(ledger.depth).toBe(3);
		expect(quarantined).toEqual([]);
		await proxy.open();
		await eventually(() => expect(ledger.depth).toBe(0), { timeout: 20_000 });
		expect(quarantined).toEqual([later[1]!.requestId]);
		expect(flushed.filter((id) => id === later[0]!.requestId || id === later[2]!.requestId)).toHaveLength(2);
		expect(await userSpend()).toEqual({ used: 7, n: 3 });
	} finally {
		await ledger.close().catch(() => {});
		await sql.end({ timeout: 1 });
		await proxy.cut();
	}
});
