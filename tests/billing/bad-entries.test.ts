import { afterAll, beforeAll, expect, test } from 'vitest';
import { ApiClient } from '../harness/api-client';
import { expectBooksBalance, expectBooksBalanceOnceDrained } from '../harness/books';
import { freshDatabase, type TestDatabase } from '../harness/database';
import { eventually } from '../harness/eventually';
import { TEST_SECRET_KEY, keyIsLive } from '../harness/fixtures';
import { sample, scrapeMetrics } from '../harness/metrics';
import { startMockUpstream, type MockUpstream } from '../harness/mock-upstream';
import { startServer, type TestServer } from '../harness/server';

// One upstream reporting an impossible usage, or one entry the database refuses, must neither
// stop everyone else's billing nor be lost.
const ADMIN_TOKEN = 'bad-entries-admin-token-0123456789abcdef';
const MAX_TOKENS_PER_CALL = 100_000_000; // billing/usage-bounds.ts
const FINE_COST = 10 + 5 * 2; // the fine upstream's usage at model ratio 1, completion ratio 2
const FIXED_COST = 500_000; // USD 1 per call
const POISON_ID = 'poison-pill';

let db: TestDatabase;
let mock: MockUpstream;
let server: TestServer;
let admin: ApiClient;
let serial = 0;

beforeAll(async () => {
	db = await freshDatabase();
	mock = await startMockUpstream();
	mock.forKey('sk-upstream-glitch-0000000001', { kind: 'ok', usage: { prompt_tokens: 3_000_000_000, completion_tokens: 5 } });
	mock.forKey('sk-upstream-fine-00000000001', { kind: 'ok', usage: { prompt_tokens: 10, completion_tokens: 5 } });
	server = await startServer({ env: env({ LEDGER_FLUSH_MS: '200', LEDGER_MAX_QUEUE: '100' }) });
	admin = new ApiClient(server.url, { bearer: ADMIN_TOKEN });
	const channel = async (name: string, model: string, key: string) =>
		expect((await admin.post('/api/channels', { type: 'openai', name, baseUrl: `${mock.url}/v1`, models: [model], keys: [key] })).status).toBe(201);
	await channel('glitch', 'glitch-model', 'sk-upstream-glitch-0000000001');
	await channel('fine', 'fine-model', 'sk-upstream-fine-00000000001');
	await channel('fixed', 'fixed-model', 'sk-upstream-fine-00000000001');
	for (const model of ['glitch-model', 'fine-model']) expect((await admin.post('/api/prices', { model, modelRatio: 1, completionRatio: 2 })).status).toBe(200);
	expect((await admin.post('/api/prices', { model: 'fixed-model', modelRatio: 0, pricePerRequestUsd: 1 })).status).toBe(200);
});

afterAll(async () => {
	await server?.stop();
	await mock?.close();
	await db?.drop();
});

function env(extra: Record<string, string>) {
	return { DATABASE_URL: db.url, ELYGATE_SECRET_KEY: TEST_SECRET_KEY, ELYGATE_ADMIN_TOKEN: ADMIN_TOKEN, ...extra };
}

async function customer(quota: number) {
	const user = await admin.post('/api/users', { username: `bad-entries-${++serial}`, password: 'customer-password', quota });
	expect(user.status).toBe(201);
	const key = await admin.post('/api/keys', { name: 'k', userId: user.body.id });
	expect(key.status).toBe(201);
	return { userId: user.body.id as number, key: key.body.key as string };
}

async function call(url: string, key: string, model: string, clientRequestId?: string): Promise<{ status: number; requestId: string }> {
	const res = await fetch(`${url}/v1/chat/completions`, {
		method: 'POST',
		headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', ...(clientRequestId ? { 'x-request-id': clientRequestId } : {}) },
		body: JSON.stringify({ model, messages: [{ role: 'user', content: 'hi' }], max_tokens: 5 })
	});
	await res.arrayBuffer();
	return { status: res.status, requestId: res.headers.get('x-request-id') ?? '' };
}

async function logged(requestIds: string[]) {
	return db.sql`select request_id, user_id, usage_clamped, prompt_tokens::int8 as prompt, cost::int8 as cost from request_logs where request_id in ${db.sql(requestIds)}`;
}

async function balance(userId: number): Promise<number> {
	const [row] = await db.sql`select quota::int8 as quota from users where id = ${userId}`;
	return Number(row!.quota);
}

async function metric(url: string, series: string): Promise<number> {
	const v = sample(await scrapeMetrics(url), series);
	return Number.isNaN(v) ? 0 : v;
}

/** Makes the database refuse to log any call whose client sent this x-request-id: an entry that cannot be written. */
async function refusePoison<T>(body: () => Promise<T>): Promise<T> {
	await db.sql.unsafe(`alter table request_logs add constraint test_refuses_poison check (client_request_id is distinct from '${POISON_ID}')`);
	try {
		return await body();
	} finally {
		await db.sql`alter table request_logs drop constraint test_refuses_poison`;
	}
}

test('an upstream reporting 3,000,000,000 prompt tokens is billed at the ceiling and flagged; the calls batched with it are written and later calls keep working', async () => {
	const victim = await customer(1_000_000);
	const others = await Promise.all(Array.from({ length: 5 }, () => customer(1_000_000)));
	const clampedBefore = await metric(server.url, 'elygate_ledger_usage_clamped_total');
	const [glitch, ...fine] = await Promise.all([
		call(server.url, victim.key, 'glitch-model'),
		...others.flatMap((o) => [call(server.url, o.key, 'fine-model'), call(server.url, o.key, 'fine-model')])
	]);
	expect([glitch, ...fine].map((c) => c.status)).toEqual(Array(11).fill(200));
	await expectBooksBalanceOnceDrained(db.sql, [server.url]);
	const rows = new Map((await logged([glitch!.requestId, ...fine.map((c) => c.requestId)])).map((r) => [r.request_id as string, r]));
	expect(rows.size).toBe(11);
	// Billed at the bound: 100M prompt tokens at ratio 1, plus the 5 output tokens at ratio 2.
	expect(rows.get(glitch!.requestId)).toMatchObject({ usage_clamped: true, prompt: String(MAX_TOKENS_PER_CALL), cost: String(MAX_TOKENS_PER_CALL + 10) });
	expect(await balance(victim.userId)).toBe(1_000_000 - (MAX_TOKENS_PER_CALL + 10));
	for (const c of fine) expect(rows.get(c.requestId)).toMatchObject({ usage_clamped: false, cost: String(FINE_COST) });
	expect(await metric(server.url, 'elygate_ledger_usage_clamped_total')).toBe(clampedBefore + 1);
	// Administrators see the flag.
	const page = await admin.get(`/api/logs?userId=${victim.userId}`);
	expect(page.body.items).toMatchObject([{ requestId: glitch!.requestId, usageClamped: true, promptTokens: MAX_TOKENS_PER_CALL }]);

	// More calls than the ledger's queue may hold (100) follow, each wave once the last is written:
	// none is refused for a stuck ledger.
	const statuses: number[] = [];
	for (let wave = 0; wave < 6; wave++) {
		statuses.push(...(await Promise.all(Array.from({ length: 20 }, (_, i) => call(server.url, others[i % others.length]!.key, 'fine-model')))).map((c) => c.status));
		await expectBooksBalanceOnceDrained(db.sql, [server.url]);
	}
	expect(statuses).toEqual(Array(120).fill(200));
});

test('an entry the database refuses is set aside with its reason, charges nothing and holds nothing; the rest of its batch is written once', async () => {
	await refusePoison(async () => {
		// Exactly two calls' worth: a cost the wallet kept holding for the refused call would leave room for one.
		const payer = await customer(2 * FIXED_COST);
		const others = await Promise.all(Array.from({ length: 3 }, () => customer(1_000_000)));
		const deadBefore = await metric(server.url, 'elygate_ledger_dead_letters_total');
		const [poison, ...fine] = await Promise.all([
			call(server.url, payer.key, 'fixed-model', POISON_ID),
			...others.flatMap((o) => [call(server.url, o.key, 'fine-model'), call(server.url, o.key, 'fine-model')])
		]);
		expect([poison, ...fine].map((c) => c.status)).toEqual(Array(7).fill(200));
		await expectBooksBalanceOnceDrained(db.sql, [server.url]);
		expect((await logged(fine.map((c) => c.requestId))).length).toBe(6);
		expect(await logged([poison!.requestId])).toEqual([]);
		const [dead] = await db.sql`select request_id, user_id, sqlstate, reason, entry from ledger_dead_letters where request_id = ${poison!.requestId}`;
		expect(dead).toMatchObject({
			user_id: payer.userId,
			sqlstate: '23514',
			reason: 'new row for relation "request_logs" violates check constraint "test_refuses_poison"',
			entry: { requestId: poison!.requestId, clientRequestId: POISON_ID, cost: FIXED_COST, model: 'fixed-model' }
		});
		expect(await metric(server.url, 'elygate_ledger_dead_letters_total')).toBe(deadBefore + 1);
		const listed = await admin.get('/api/ledger/dead-letters');
		expect(listed.status).toBe(200);
		expect(listed.body.items).toContainEqual(expect.objectContaining({ requestId: poison!.requestId, sqlstate: '23514', attempts: expect.any(Number) }));
		// Users cannot read it.
		const asUser = await fetch(`${server.url}/api/ledger/dead-letters`, { headers: { authorization: `Bearer ${payer.key}` } });
		expect([401, 403]).toContain(asUser.status);

		// Charged nothing, and the wallet let go of it: both calls the balance covers go through.
		expect(await balance(payer.userId)).toBe(2 * FIXED_COST);
		expect((await call(server.url, payer.key, 'fixed-model')).status).toBe(200);
		expect((await call(server.url, payer.key, 'fixed-model')).status).toBe(200);
		expect((await call(server.url, payer.key, 'fixed-model')).status).toBe(429);
		await expectBooksBalanceOnceDrained(db.sql, [server.url]);
		expect(await balance(payer.userId)).toBe(0);
	});
});

test('SIGTERM with a refused entry and an impossible usage report waiting: everything good is written, the refused one set aside, exit 0', async () => {
	await refusePoison(async () => {
		// Made before the second server starts, so it loads this user's balance with everything else;
		// rich enough that the clamped call, settling first, leaves room for the others' reservations.
		const user = await customer(2 * (MAX_TOKENS_PER_CALL + 10));
		// Nothing is flushed before the shutdown: its final drain meets both faults.
		const late = await startServer({ env: env({ LEDGER_FLUSH_MS: '10000' }) });
		try {
			await keyIsLive(late.url, user.key);
			const answered = await Promise.all([
				call(late.url, user.key, 'fixed-model', POISON_ID),
				call(late.url, user.key, 'glitch-model'),
				...Array.from({ length: 6 }, () => call(late.url, user.key, 'fine-model'))
			]);
			expect(answered.map((c) => c.status)).toEqual(Array(8).fill(200));
			expect(await logged(answered.map((c) => c.requestId))).toEqual([]);
			expect(await late.stop('SIGTERM')).toBe(0);
			const [poison, glitch, ...fine] = answered;
			const rows = await logged([glitch!.requestId, ...fine.map((c) => c.requestId)]);
			expect(rows.map((r) => r.request_id).sort()).toEqual([glitch!, ...fine].map((c) => c.requestId).sort());
			const [dead] = await db.sql`select sqlstate from ledger_dead_letters where request_id = ${poison!.requestId}`;
			expect(dead?.sqlstate).toBe('23514');
			expect(late.output()).not.toContain('could not write');
			await expectBooksBalance(db.sql);
			expect(await balance(user.userId)).toBe(MAX_TOKENS_PER_CALL + 10 - 6 * FINE_COST);
		} finally {
			await late.stop();
		}
	});
});
