import postgres from 'postgres';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { Ledger } from '../../src/lib/server/billing/ledger';
import { createLogger } from '../../src/lib/server/observability/logger';
import type { Actor } from '../../src/lib/server/services/actor';
import { pruneUsageHourly } from '../../src/lib/server/services/retention';
import { getZonedUsage, USAGE_HOURLY_DAYS } from '../../src/lib/server/services/usage';
import { ledgerEntry } from '../../src/lib/server/testing/ledger-entry';
import { dayIn } from '../../src/lib/time-zone';
import { freshDatabase, type TestDatabase } from '../harness/database';
import { fixtures, type Fixtures } from '../harness/fixtures';

// The hourly rollup the ledger keeps beside the daily one, and usage counted by a zone's days.
let db: TestDatabase;
let fx: Fixtures;
let ids: { alice: number; bob: number; channel: number };
const log = createLogger('silent', { json: true });
const admin: Actor = { kind: 'user', id: 999_001, role: 'admin' };

beforeAll(async () => {
	db = await freshDatabase({ migrated: true });
	fx = fixtures(db.url);
	const [alice] = await db.sql`insert into users (username, password_hash) values ('zoned-alice', 'x') returning id`;
	const [bob] = await db.sql`insert into users (username, password_hash) values ('zoned-bob', 'x') returning id`;
	const [channel] = await db.sql`insert into channels (type, name, base_url) values ('openai', 'c', 'http://x') returning id`;
	ids = { alice: alice!.id, bob: bob!.id, channel: channel!.id };
});

afterAll(async () => {
	await fx?.close();
	await db?.drop();
});

test('the ledger keeps hourly totals per user, channel and model; a Shanghai day is read from them', async () => {
	// 16:00 UTC is midnight in Shanghai: two calls just before it, three just after.
	const at = (iso: string) => new Date(iso);
	const entries = [
		ledgerEntry({ createdAt: at('2026-12-03T15:59:00Z'), userId: ids.alice, channelId: ids.channel, model: 'm1', cost: 100 }),
		ledgerEntry({ createdAt: at('2026-12-03T15:10:00Z'), userId: ids.alice, channelId: ids.channel, model: 'm1', cost: 100, status: 500 }),
		ledgerEntry({ createdAt: at('2026-12-03T16:00:00Z'), userId: ids.alice, channelId: ids.channel, model: 'm1', cost: 1000 }),
		ledgerEntry({ createdAt: at('2026-12-03T16:20:00Z'), userId: ids.alice, channelId: null, model: 'm2', cost: 2000 }),
		ledgerEntry({ createdAt: at('2026-12-04T15:59:59Z'), userId: ids.bob, channelId: ids.channel, model: 'm1', cost: 4000 })
	];
	const sql = postgres(db.url, { max: 1, onnotice: () => {} });
	const ledger = new Ledger(sql, log, { intervalMs: 10 });
	for (const e of entries) ledger.push(e);
	await ledger.drain();
	await ledger.close();
	await sql.end();

	const hours = await db.sql`select hour, user_id, channel_id, model, requests::int, failures::int, cost::int from usage_hourly order by hour, user_id, model`;
	expect(hours).toEqual([
		{ hour: at('2026-12-03T15:00:00Z'), user_id: ids.alice, channel_id: ids.channel, model: 'm1', requests: 2, failures: 1, cost: 200 },
		{ hour: at('2026-12-03T16:00:00Z'), user_id: ids.alice, channel_id: ids.channel, model: 'm1', requests: 1, failures: 0, cost: 1000 },
		{ hour: at('2026-12-03T16:00:00Z'), user_id: ids.alice, channel_id: 0, model: 'm2', requests: 1, failures: 0, cost: 2000 },
		{ hour: at('2026-12-04T15:00:00Z'), user_id: ids.bob, channel_id: ids.channel, model: 'm1', requests: 1, failures: 0, cost: 4000 }
	]);

	// In Shanghai, Dec 4 holds the three calls after midnight; UTC would put all five on Dec 3 and 4.
	const alice: Actor = { kind: 'user', id: ids.alice, role: 'user' };
	const mine = await getZonedUsage(fx, alice, { zone: 'Asia/Shanghai', from: '2026-12-03', to: '2026-12-04', groupBy: ['day', 'model'] });
	expect(mine.rows.map((r) => [r.day, r.model, r.requests, r.cost])).toEqual([
		['2026-12-03', 'm1', 2, 200],
		['2026-12-04', 'm1', 1, 1000],
		['2026-12-04', 'm2', 1, 2000]
	]);
	expect(mine.totals).toMatchObject({ requests: 4, failures: 1, cost: 3200 });

	const all = await getZonedUsage(fx, admin, { zone: 'Asia/Shanghai', from: '2026-12-04', to: '2026-12-04', groupBy: ['user'] });
	expect(all.rows.map((r) => [r.userId, r.requests, r.cost]).sort()).toEqual([
		[ids.alice, 2, 3000],
		[ids.bob, 1, 4000]
	]);
	const byChannel = await getZonedUsage(fx, admin, { zone: 'Asia/Shanghai', from: '2026-12-04', to: '2026-12-04', groupBy: ['day', 'channel'] });
	expect(byChannel.rows.map((r) => [r.day, r.channelId, r.requests])).toEqual([
		['2026-12-04', 0, 1],
		['2026-12-04', ids.channel, 2]
	]);

	// In UTC the daily rollup answers, as the usage API does.
	const utc = await getZonedUsage(fx, alice, { zone: 'UTC', from: '2026-12-03', to: '2026-12-04', groupBy: ['day'] });
	expect(utc.rows.map((r) => [r.day, r.requests])).toEqual([['2026-12-03', 4]]);

	// A user never sees channels, and only their own usage.
	await expect(getZonedUsage(fx, alice, { zone: 'Asia/Shanghai', from: '2026-12-04', to: '2026-12-04', groupBy: ['channel'] })).rejects.toThrow(/channels are internal/);
	expect(dayIn('Asia/Shanghai', Date.parse('2026-12-03T16:00:00Z'))).toBe('2026-12-04');
});

test('hours older than the console shows are pruned; the daily totals stay', async () => {
	const now = Date.parse('2026-12-05T12:00:00Z');
	const old = new Date(now - (USAGE_HOURLY_DAYS + 1) * 86_400_000);
	await db.sql`insert into usage_hourly (hour, user_id, channel_id, model, requests) values (${old}, ${ids.alice}, 0, 'old', 1)`;
	const daysBefore = await db.sql`select count(*)::int as n from usage_daily`;
	expect(await pruneUsageHourly(fx.db, now)).toBe(1);
	expect(await db.sql`select 1 from usage_hourly where model = 'old'`).toHaveLength(0);
	expect(await db.sql`select count(*)::int as n from usage_hourly`).toEqual([{ n: 4 }]);
	expect(await db.sql`select count(*)::int as n from usage_daily`).toEqual(daysBefore);
});
