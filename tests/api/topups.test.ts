import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { register } from '../harness/accounts';
import { ApiClient } from '../harness/api-client';
import { freshDatabase, type TestDatabase } from '../harness/database';
import { TEST_SECRET_KEY } from '../harness/fixtures';
import { startServer, type TestServer } from '../harness/server';
import { WebClient } from '../harness/web-client';

const ADMIN_TOKEN = 'topups-root-token-0123456789abcdefghij';
const PER_USER = 10; // the production default
const PER_IP = 30; // lowered from 100 so the IP test needs few users

let db: TestDatabase;
let server: TestServer;
let root: ApiClient;
let admin: ApiClient;

beforeAll(async () => {
	db = await freshDatabase();
	server = await startServer({
		env: {
			DATABASE_URL: db.url,
			ELYGATE_SECRET_KEY: TEST_SECRET_KEY,
			ELYGATE_ADMIN_TOKEN: ADMIN_TOKEN,
			ELYGATE_ROOT_PASSWORD: 'root-password-1',
			// Each test speaks from its own addresses, so per-IP counts do not leak between tests.
			TRUSTED_PROXY_HEADER: 'x-forwarded-for',
			REDEEM_MAX_FAILURES_PER_IP: String(PER_IP)
		}
	});
	root = new ApiClient(server.url, { bearer: ADMIN_TOKEN });
	admin = new ApiClient(server.url, { bearer: (await root.post('/api/tokens', { name: 'ops', scope: 'admin' })).body.token });
});

afterAll(async () => {
	await server?.stop();
	await db?.drop();
});

interface Person {
	id: number;
	name: string;
	api: ApiClient;
}

let userCount = 0;
async function signedInUser(): Promise<Person> {
	const name = `topup${++userCount}`;
	const web = new WebClient(server.url);
	await register(web, name, 'topup-password-1');
	const [row] = await db.sql`select id from users where username = ${name}`;
	return { id: row!.id, name, api: new ApiClient(server.url, { cookie: `elygate_session=${web.cookies.get('elygate_session')}`, origin: server.url }) };
}

let ipCount = 0;
const freshIp = () => `10.0.${Math.floor(++ipCount / 250)}.${(ipCount % 250) + 1}`;

function redeem(who: Person, code: string, ip = freshIp()) {
	return who.api.post('/api/redeem', { code }, { 'x-forwarded-for': ip });
}

async function mint(body: Record<string, unknown>) {
	const res = await root.post('/api/redemptions', { name: 'batch', amountUsd: 1, ...body });
	expect(res.status, JSON.stringify(res.body)).toBe(201);
	return res.body as { codes: Array<{ id: number; code: string; prefix: string }>; redemption: Record<string, unknown> };
}

function expectError(res: { status: number; body: Record<string, any> }, status: number, code: string, field?: string) {
	expect(res.status, JSON.stringify(res.body)).toBe(status);
	expect(res.body.error.code).toBe(code);
	if (field) expect(res.body.error.field).toBe(field);
}

async function balanceOf(userId: number): Promise<number> {
	const [row] = await db.sql`select quota::float8 as q from users where id = ${userId}`;
	return row!.q;
}

async function changesOf(userId: number) {
	return db.sql`select id::int, delta::float8 as delta, balance_after::float8 as balance_after, reason, reference, note, actor_id
		from balance_changes where user_id = ${userId} order by id`;
}

/** No calls are made here, so every quota unit a user holds is explained by a balance change. */
async function expectBalancesExplained(userIds: number[]) {
	const rows = await db.sql`select u.id, u.quota::float8 as quota, coalesce(sum(b.delta), 0)::float8 as total
		from users u left join balance_changes b on b.user_id = u.id where u.id in ${db.sql(userIds)} group by u.id`;
	expect(rows).toHaveLength(userIds.length);
	for (const r of rows) expect(r.quota, `user ${r.id}`).toBe(r.total);
}

async function codeRow(id: number) {
	const [row] = await db.sql`select status, redeemed_by, redeemed_at, updated_at from redemption_codes where id = ${id}`;
	return row;
}

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

describe('creating codes', () => {
	test('codes are long CSPRNG strings shown once; the database holds only their hashes', async () => {
		const expiresAt = new Date(Date.now() + 86_400_000).toISOString();
		const { codes, redemption } = await mint({ name: 'launch', amountUsd: 2.5, count: 50, expiresAt });
		expect(redemption).toMatchObject({ name: 'launch', amountUsd: 2.5, quota: 1_250_000, count: 50, expiresAt });
		expect(codes).toHaveLength(50);
		expect(new Set(codes.map((c) => c.code)).size).toBe(50);
		for (const c of codes) {
			// 32 base32 characters = 160 random bits.
			expect(c.code).toMatch(/^egc-[a-z2-7]{32}$/);
			expect(c.prefix).toBe(c.code.slice(0, 8));
		}
		// A crude check that the characters are spread over the whole alphabet, as random ones are.
		const counts = new Map<string, number>();
		for (const ch of codes.map((c) => c.code.slice(4)).join('')) counts.set(ch, (counts.get(ch) ?? 0) + 1);
		expect(counts.size).toBe(32);
		expect(Math.max(...counts.values())).toBeLessThan(100); // 1,600 characters: 50 expected each

		const rows = await db.sql`select id, code_hash, prefix, quota::float8 as quota, status, expires_at from redemption_codes where name = 'launch' order by id`;
		expect(rows.map((r) => r.id)).toEqual(codes.map((c) => c.id));
		rows.forEach((r, i) => {
			expect(r.code_hash).toBe(sha256(codes[i]!.code));
			expect(r).toMatchObject({ prefix: codes[i]!.prefix, quota: 1_250_000, status: 'unused' });
		});
		// Nowhere at rest: not in the table, the audit log, or the idempotency store.
		const dump = JSON.stringify([
			await db.sql`select * from redemption_codes`,
			await db.sql`select * from audit_log`,
			await db.sql`select * from idempotency_keys`
		]);
		for (const c of codes) expect(dump).not.toContain(c.code.slice(4));
		const [audit] = await db.sql`select after from audit_log where action = 'redemption.create' order by id desc limit 1`;
		expect(audit!.after).toMatchObject({ name: 'launch', count: 50, quota: 1_250_000 });
	});

	test('bad batches are refused, naming the field, and create nothing', async () => {
		const [before] = await db.sql`select count(*)::int as n from redemption_codes`;
		const past = new Date(Date.now() - 60_000).toISOString();
		const cases: Array<[Record<string, unknown>, string]> = [
			[{ amountUsd: 0 }, 'amountUsd'],
			[{ amountUsd: -5 }, 'amountUsd'],
			[{ amountUsd: 1.005 }, 'amountUsd'],
			[{ amountUsd: 1_000_000.01 }, 'amountUsd'],
			[{ amountUsd: 1, count: 0 }, 'count'],
			[{ amountUsd: 1, count: 1001 }, 'count'],
			[{ amountUsd: 1, expiresAt: past }, 'expiresAt'],
			[{ amountUsd: 1, expiresAt: 'tomorrow' }, 'expiresAt'],
			[{ name: '', amountUsd: 1 }, 'name']
		];
		for (const [body, field] of cases) {
			expectError(await root.post('/api/redemptions', { name: 'bad', ...body }), 400, 'invalid_request', field);
		}
		const [after] = await db.sql`select count(*)::int as n from redemption_codes`;
		expect(after!.n).toBe(before!.n);
	});

	test('only administrators create and disable codes; readers list them', async () => {
		const alice = await signedInUser();
		expectError(await alice.api.post('/api/redemptions', { name: 'mine', amountUsd: 100 }), 403, 'forbidden');
		const { codes } = await mint({ name: 'guarded' });
		expectError(await alice.api.post(`/api/redemptions/${codes[0]!.id}/disable`), 403, 'forbidden');
		expectError(await alice.api.get('/api/redemptions'), 403, 'forbidden');
		expect((await admin.get('/api/redemptions?name=guarded')).body.total).toBe(1);
	});
});

describe('redeeming', () => {
	test('a code credits its quota once and writes one balance change', async () => {
		const [alice, bob] = [await signedInUser(), await signedInUser()];
		const { codes } = await mint({ name: 'once', amountUsd: 3.25, count: 2 });
		const [code, other] = codes as [(typeof codes)[0], (typeof codes)[0]];

		const res = await redeem(alice, code.code);
		expect(res.status, JSON.stringify(res.body)).toBe(200);
		expect(res.body).toEqual({ credited: 1_625_000, creditedUsd: 3.25, balance: 1_625_000 });
		expect(await balanceOf(alice.id)).toBe(1_625_000);
		const changes = await changesOf(alice.id);
		expect(changes.map((c) => c.reason)).toEqual(['initial', 'redeem']);
		expect(changes[1]).toMatchObject({ delta: 1_625_000, balance_after: 1_625_000, reference: String(code.id), actor_id: alice.id });
		expect(await codeRow(code.id)).toMatchObject({ status: 'used', redeemed_by: alice.id });

		// Again, by the same user or another: 409, and nothing moves.
		const used = await codeRow(code.id);
		expectError(await redeem(alice, code.code), 409, 'code_used', 'code');
		expectError(await redeem(bob, code.code), 409, 'code_used', 'code');
		expect(await codeRow(code.id)).toEqual(used);
		expect(await changesOf(alice.id)).toHaveLength(2);
		expect(await changesOf(bob.id)).toHaveLength(1);

		// Codes are retyped by people: case and surrounding spaces do not matter.
		const typed = await redeem(bob, `  ${other.code.toUpperCase()} `);
		expect(typed.status, JSON.stringify(typed.body)).toBe(200);
		expect(typed.body.balance).toBe(1_625_000);

		// The list shows who redeemed what.
		const list = await root.get('/api/redemptions?name=once&status=used&perPage=1');
		expect(list.body).toMatchObject({ total: 2, page: 1, perPage: 1 });
		expect(list.body.items[0]).toMatchObject({ id: other.id, status: 'used', redeemedBy: bob.id, redeemedByUsername: bob.name, amountUsd: 3.25 });
		expect(list.body.items[0].codeHash).toBeUndefined();
		await expectBalancesExplained([alice.id, bob.id]);
	});

	test('expired, disabled and unknown codes each give their error and change nothing', async () => {
		const carol = await signedInUser();
		const { codes } = await mint({ name: 'refused', count: 3 });
		const [expiring, disabled, used] = codes as [(typeof codes)[0], (typeof codes)[0], (typeof codes)[0]];
		await db.sql`update redemption_codes set expires_at = now() - interval '1 minute' where id = ${expiring.id}`;
		const off = await root.post(`/api/redemptions/${disabled.id}/disable`);
		expect(off.status, JSON.stringify(off.body)).toBe(200);
		expect(off.body).toMatchObject({ id: disabled.id, status: 'disabled' });
		expect((await root.post(`/api/redemptions/${disabled.id}/disable`)).body.status).toBe('disabled');
		expect((await redeem(await signedInUser(), used.code)).status).toBe(200);

		const listed = await root.get('/api/redemptions?name=refused&status=unused');
		expect(listed.body.items.map((c: { id: number; expired: boolean }) => [c.id, c.expired])).toEqual([[expiring.id, true]]);

		const rowsBefore = await db.sql`select * from redemption_codes where name = 'refused' order by id`;
		expectError(await redeem(carol, expiring.code), 400, 'code_expired', 'code');
		expectError(await redeem(carol, disabled.code), 400, 'code_disabled', 'code');
		expectError(await redeem(carol, used.code), 409, 'code_used', 'code');
		expectError(await redeem(carol, `egc-${'a'.repeat(32)}`), 400, 'code_invalid', 'code');
		expectError(await redeem(carol, 'not a code at all'), 400, 'code_invalid', 'code');
		expectError(await redeem(carol, ''), 400, 'invalid_request', 'code');
		expect(await db.sql`select * from redemption_codes where name = 'refused' order by id`).toEqual(rowsBefore);
		expect(await balanceOf(carol.id)).toBe(0);
		expect(await changesOf(carol.id)).toHaveLength(1);

		// A redeemed code cannot be disabled; an unknown one is not found.
		expectError(await root.post(`/api/redemptions/${used.id}/disable`), 409, 'conflict');
		expectError(await root.post('/api/redemptions/99999999/disable'), 404, 'not_found');
		await expectBalancesExplained([carol.id]);
	});

	test('50 concurrent redemptions of one code by 10 users: one wins, credited once', async () => {
		const people = await Promise.all(Array.from({ length: 10 }, () => signedInUser()));
		const { codes } = await mint({ name: 'race', amountUsd: 7 });
		const code = codes[0]!;
		const ips = people.map(() => freshIp());
		const answers = await Promise.all(
			Array.from({ length: 50 }, async (_, i) => {
				const who = people[i % people.length]!;
				const res = await fetch(`${server.url}/api/redeem`, {
					method: 'POST',
					headers: { 'content-type': 'application/json', cookie: who.api.auth.cookie!, origin: server.url, 'x-forwarded-for': ips[i % ips.length]! },
					body: JSON.stringify({ code: code.code })
				});
				return { who, status: res.status, body: (await res.json()) as Record<string, any> };
			})
		);
		const won = answers.filter((a) => a.status === 200);
		expect(won).toHaveLength(1);
		const lost = answers.filter((a) => a.status !== 200);
		expect(lost.map((a) => `${a.status} ${a.body.error?.code}`)).toEqual(Array(49).fill('409 code_used'));
		const winner = won[0]!.who;
		expect(won[0]!.body).toEqual({ credited: 3_500_000, creditedUsd: 7, balance: 3_500_000 });
		expect(await db.sql`select user_id from balance_changes where reason = 'redeem' and reference = ${String(code.id)}`).toEqual([{ user_id: winner.id }]);
		for (const p of people) expect(await balanceOf(p.id)).toBe(p === winner ? 3_500_000 : 0);
		expect(await codeRow(code.id)).toMatchObject({ status: 'used', redeemed_by: winner.id });
		await expectBalancesExplained(people.map((p) => p.id));
	});
});

describe('guessing codes', () => {
	test(`after ${PER_USER} failures a user is refused, even with a good code, until the window ends`, async () => {
		const [guesser, bystander] = [await signedInUser(), await signedInUser()];
		const { codes } = await mint({ name: 'guarded-by-limit', count: 2 });
		for (let i = 0; i < PER_USER; i++) expectError(await redeem(guesser, `egc-${String(i).padStart(32, 'b')}`), 400, 'code_invalid');
		const refused = await redeem(guesser, codes[0]!.code);
		expectError(refused, 429, 'rate_limited');
		const retryAfter = Number(refused.headers.get('retry-after'));
		expect(retryAfter).toBeGreaterThan(0);
		expect(retryAfter).toBeLessThanOrEqual(600);
		expect(await codeRow(codes[0]!.id)).toMatchObject({ status: 'unused' });
		expect(await balanceOf(guesser.id)).toBe(0);
		// Someone else is not affected.
		expect((await redeem(bystander, codes[1]!.code)).status).toBe(200);
		await expectBalancesExplained([guesser.id, bystander.id]);
	});

	test(`an address is refused after ${PER_IP} failures, whoever signs in from it`, async () => {
		const people = await Promise.all(Array.from({ length: 5 }, () => signedInUser()));
		const { codes } = await mint({ name: 'ip-limit' });
		const ip = freshIp();
		for (let i = 0; i < PER_IP; i++) {
			expectError(await redeem(people[i % 4]!, `egc-${String(i).padStart(32, 'c')}`, ip), 400, 'code_invalid');
		}
		expectError(await redeem(people[4]!, codes[0]!.code, ip), 429, 'rate_limited');
		expect((await redeem(people[4]!, codes[0]!.code, freshIp())).status).toBe(200);
	});

	test(`of 40 wrong codes sent at once, at most ${PER_USER} are looked up`, async () => {
		const guesser = await signedInUser();
		const answers = await Promise.all(Array.from({ length: 40 }, (_, i) => redeem(guesser, `egc-${String(i).padStart(32, 'd')}`)));
		const codesOf = answers.map((r) => r.body.error.code as string);
		expect(codesOf.filter((c) => c === 'code_invalid').length).toBeLessThanOrEqual(PER_USER);
		expect(codesOf.filter((c) => c !== 'code_invalid' && c !== 'rate_limited')).toEqual([]);
	});

	test('successful redemptions do not count', async () => {
		const saver = await signedInUser();
		const { codes } = await mint({ name: 'many', amountUsd: 0.01, count: PER_USER + 5 });
		const ip = freshIp();
		for (const c of codes) expect((await redeem(saver, c.code, ip)).status).toBe(200);
		expect(await balanceOf(saver.id)).toBe(5_000 * codes.length);
		await expectBalancesExplained([saver.id]);
	});
});

describe('admin adjustments', () => {
	test('an Idempotency-Key makes a retried adjustment apply once', async () => {
		const dave = await signedInUser();
		const body = { delta: 1_000_000, reason: 'goodwill after the outage' };
		const first = await root.post(`/api/users/${dave.id}/balance`, body, { 'idempotency-key': 'adjust-1' });
		const again = await root.post(`/api/users/${dave.id}/balance`, body, { 'idempotency-key': 'adjust-1' });
		expect(first.status, JSON.stringify(first.body)).toBe(200);
		expect(first.body).toMatchObject({ userId: dave.id, delta: 1_000_000, balance: 1_000_000, changeId: expect.any(Number) });
		expect(again.body).toEqual(first.body);
		expect(await balanceOf(dave.id)).toBe(1_000_000);
		const changes = await changesOf(dave.id);
		expect(changes.map((c) => [c.reason, c.delta, c.note])).toEqual([
			['initial', 0, null],
			['admin', 1_000_000, 'goodwill after the outage']
		]);
		const audit = await db.sql`select before, after from audit_log where action = 'user.balance' and target_id = ${String(dave.id)}`;
		expect(audit).toEqual([{ before: { quota: 0 }, after: { quota: 1_000_000, delta: 1_000_000, reason: 'goodwill after the outage', changeId: first.body.changeId } }]);

		// The same key for another user is another request.
		const erin = await signedInUser();
		expect((await root.post(`/api/users/${erin.id}/balance`, body, { 'idempotency-key': 'adjust-1' })).body).toMatchObject({ userId: erin.id, balance: 1_000_000 });

		// A debit may not take the balance below zero.
		expectError(await admin.post(`/api/users/${dave.id}/balance`, { delta: -1_000_001, reason: 'too much' }), 400, 'invalid_request', 'delta');
		expect((await admin.post(`/api/users/${dave.id}/balance`, { delta: -400_000, reason: 'partial refund' })).body.balance).toBe(600_000);
		expectError(await admin.post(`/api/users/${dave.id}/balance`, { delta: 0, reason: 'nothing' }), 400, 'invalid_request', 'delta');
		expectError(await admin.post(`/api/users/${dave.id}/balance`, { delta: 1.5, reason: 'fractions' }), 400, 'invalid_request', 'delta');
		expectError(await admin.post(`/api/users/${dave.id}/balance`, { delta: 5 }), 400, 'invalid_request', 'reason');
		expectError(await admin.post('/api/users/99999999/balance', { delta: 5, reason: 'ghost' }), 404, 'not_found');
		expect(await balanceOf(dave.id)).toBe(600_000);
		await expectBalancesExplained([dave.id, erin.id]);
	});

	test("an admin token cannot change an administrator's balance; root can", async () => {
		const made = await root.post('/api/users', { username: 'moneyadmin', password: 'moneyadmin-password', role: 'admin' });
		expectError(await admin.post(`/api/users/${made.body.id}/balance`, { delta: 5, reason: 'self-serve' }), 403, 'forbidden');
		expect(await balanceOf(made.body.id)).toBe(0);
		expect((await root.post(`/api/users/${made.body.id}/balance`, { delta: 5, reason: 'granted by root' })).status).toBe(200);
		await expectBalancesExplained([made.body.id]);
	});

	test("users cannot adjust balances or read anyone else's history", async () => {
		const [frank, grace] = [await signedInUser(), await signedInUser()];
		expectError(await frank.api.post(`/api/users/${frank.id}/balance`, { delta: 1_000_000, reason: 'free money' }), 403, 'forbidden');
		expectError(await frank.api.get(`/api/users/${grace.id}/balance-history`), 403, 'forbidden');
		expect(await balanceOf(frank.id)).toBe(0);
		await root.post(`/api/users/${grace.id}/balance`, { delta: 42, reason: 'for grace only' });
		const mine = await frank.api.get('/api/me/balance-history');
		expect(mine.body.items.map((i: { reason: string }) => i.reason)).toEqual(['initial']);
		// A management token has no balance of its own.
		expectError(await admin.get('/api/me/balance-history'), 403, 'forbidden');
		await expectBalancesExplained([frank.id, grace.id]);
	});
});

describe('balance history', () => {
	test('newest first, keyset pages that follow `next` to the end', async () => {
		const heidi = await signedInUser();
		const { codes } = await mint({ name: 'history', amountUsd: 0.5 });
		await redeem(heidi, codes[0]!.code);
		for (const delta of [100, -50, 7]) await root.post(`/api/users/${heidi.id}/balance`, { delta, reason: `step ${delta}` });

		const all = await heidi.api.get('/api/me/balance-history');
		expect(all.body.next).toBeNull();
		expect(all.body.items.map((i: Record<string, unknown>) => [i.reason, i.delta, i.balanceAfter])).toEqual([
			['admin', 7, 250_057],
			['admin', -50, 250_050],
			['admin', 100, 250_100],
			['redeem', 250_000, 250_000],
			['initial', 0, 0]
		]);
		expect(all.body.items[3]).toMatchObject({ deltaUsd: 0.5, reference: String(codes[0]!.id), note: null, createdAt: expect.any(String) });
		expect(all.body.items[0]).toMatchObject({ note: 'step 7', reference: null });

		const seen: number[] = [];
		let cursor: number | null = null;
		let pages = 0;
		do {
			const res: { status: number; body: Record<string, any> } = await heidi.api.get(`/api/me/balance-history?limit=2${cursor ? `&before=${cursor}` : ''}`);
			expect(res.status).toBe(200);
			expect(res.body.items.length).toBeLessThanOrEqual(2);
			seen.push(...res.body.items.map((i: { id: number }) => i.id));
			cursor = res.body.next;
			pages++;
		} while (cursor !== null);
		expect(pages).toBe(3);
		expect(seen).toEqual(all.body.items.map((i: { id: number }) => i.id));

		const asAdmin = await admin.get(`/api/users/${heidi.id}/balance-history?limit=5`);
		expect(asAdmin.body).toEqual(all.body);
		expectError(await heidi.api.get('/api/me/balance-history?limit=0'), 400, 'invalid_request', 'limit');
		await expectBalancesExplained([heidi.id]);
	});
});

describe('CSV', () => {
	const evil = '=HYPERLINK("http://evil.example","click")';

	test('a new batch downloads as CSV, with formula cells neutralised', async () => {
		const res = await fetch(`${server.url}/api/redemptions?format=csv`, {
			method: 'POST',
			headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
			body: JSON.stringify({ name: evil, amountUsd: 12.34, count: 2 })
		});
		expect(res.status).toBe(201);
		expect(res.headers.get('content-type')).toBe('text/csv; charset=utf-8');
		expect(res.headers.get('content-disposition')).toMatch(/^attachment; filename="redemption-codes-[\d-]+\.csv"$/);
		const lines = (await res.text()).split('\r\n');
		expect(lines[0]).toBe('id,name,code,amount_usd,expires_at');
		expect(lines).toHaveLength(4);
		expect(lines[3]).toBe('');
		const rows = await db.sql`select id, code_hash from redemption_codes where name = ${evil} order by id`;
		rows.forEach((row, i) => {
			const m = /^(\d+),"'=HYPERLINK\(""http:\/\/evil\.example"",""click""\)",(egc-[a-z2-7]{32}),12\.34,$/.exec(lines[i + 1]!);
			expect(m, lines[i + 1]).not.toBeNull();
			expect(Number(m![1])).toBe(row.id);
			expect(sha256(m![2]!)).toBe(row.code_hash);
		});

		const viaAccept = await fetch(`${server.url}/api/redemptions`, {
			method: 'POST',
			headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json', accept: 'text/csv' },
			body: JSON.stringify({ name: 'accept-csv', amountUsd: 1 })
		});
		expect(viaAccept.headers.get('content-type')).toContain('text/csv');
		expect((await viaAccept.text()).split('\r\n')[1]).toMatch(/^\d+,accept-csv,egc-[a-z2-7]{32},1,$/);
	});

	test('the list exports every match as CSV, never the codes', async () => {
		const ivan = await signedInUser();
		const { codes } = await mint({ name: `${evil} list`, amountUsd: 2, count: 3 });
		expect((await redeem(ivan, codes[1]!.code)).status).toBe(200);
		const res = await fetch(`${server.url}/api/redemptions?format=csv&name=HYPERLINK(%22http://evil.example%22,%22click%22)%20list&perPage=1`, {
			headers: { authorization: `Bearer ${ADMIN_TOKEN}` }
		});
		expect(res.status).toBe(200);
		const text = await res.text();
		for (const c of codes) expect(text).not.toContain(c.code.slice(8));
		const lines = text.trimEnd().split('\r\n');
		expect(lines[0]).toBe('id,name,prefix,amount_usd,quota,status,created_at,expires_at,redeemed_by,redeemed_at');
		expect(lines).toHaveLength(4); // every match, whatever perPage says
		const redeemed = lines.find((l) => l.startsWith(`${codes[1]!.id},`))!;
		const name = `"'=HYPERLINK(""http://evil.example"",""click"") list"`;
		expect(redeemed).toMatch(new RegExp(`^${codes[1]!.id},${escapeRe(name)},${codes[1]!.prefix},2,1000000,used,[\\d-]+T[\\d:.]+Z,,${ivan.name},[\\d-]+T[\\d:.]+Z$`));
		expect(lines.find((l) => l.startsWith(`${codes[0]!.id},`))).toMatch(/,unused,[\d-]+T[\d:.]+Z,,,$/);
	});
});

const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

test('every balance in this database is the sum of its balance changes', async () => {
	const ids = (await db.sql`select id from users`).map((r) => r.id as number);
	expect(ids.length).toBeGreaterThanOrEqual(25);
	await expectBalancesExplained(ids);
});
