import type postgres from 'postgres';
import { expect } from 'vitest';
import { eventually } from './eventually';
import { sample, scrapeMetrics } from './metrics';

/**
 * Billing invariant 1, checked against the database: for every user
 *   sum(balance_changes.delta) - sum(request_logs.cost) == users.quota   (the opening 'initial' or 'import' row included)
 *   users.used_quota - imported_used_quota == sum(cost) and request_count - imported_request_count == count(logs);
 * for every key, used quota (less what was spent in New-API before an import) and request count
 * == its logs' sums, for every channel likewise; and the daily
 * rollup sums to the same requests and cost as the logs; a call that reached no upstream (attempts 0:
 * a refusal logged by the relay) costs 0. Mismatches are listed, not just counted.
 */
export async function expectBooksBalance(sql: postgres.Sql): Promise<void> {
	const users = await sql`
		select u.id, u.quota, u.used_quota, u.request_count, coalesce(b.changes, 0) as changes, coalesce(l.cost, 0) as cost, coalesce(l.n, 0) as n
		from users u
		left join (select user_id, sum(delta) as changes from balance_changes group by user_id) b on b.user_id = u.id
		left join (select user_id, sum(cost) as cost, count(*) as n from request_logs group by user_id) l on l.user_id = u.id
		where u.quota <> coalesce(b.changes, 0) - coalesce(l.cost, 0) or u.used_quota - u.imported_used_quota <> coalesce(l.cost, 0)
			or u.request_count - u.imported_request_count <> coalesce(l.n, 0)
			or (select count(*) from balance_changes i where i.user_id = u.id and i.reason in ('initial', 'import')) <> 1`;
	expect(users, 'users whose balance disagrees with their history').toEqual([]);
	const keys = await sql`
		select k.id, k.used_quota, k.request_count, coalesce(l.cost, 0) as cost, coalesce(l.n, 0) as n
		from api_keys k left join (select api_key_id, sum(cost) as cost, count(*) as n from request_logs group by api_key_id) l on l.api_key_id = k.id
		where k.used_quota - k.imported_used_quota <> coalesce(l.cost, 0) or k.request_count <> coalesce(l.n, 0)`;
	expect(keys, 'keys whose spend disagrees with their logs').toEqual([]);
	const channels = await sql`
		select c.id, c.used_quota, c.request_count, coalesce(l.cost, 0) as cost, coalesce(l.n, 0) as n
		from channels c left join (select channel_id, sum(cost) as cost, count(*) as n from request_logs group by channel_id) l on l.channel_id = c.id
		where c.used_quota <> coalesce(l.cost, 0) or c.request_count <> coalesce(l.n, 0)`;
	expect(channels, 'channels whose spend disagrees with their logs').toEqual([]);
	const rollup = await sql`
		select coalesce(l.user_id, d.user_id) as user_id, l.n, l.cost, d.requests, d.cost as rolled_cost
		from (select user_id, count(*) as n, sum(cost) as cost from request_logs group by user_id) l
		full join (select user_id, sum(requests) as requests, sum(cost) as cost from usage_daily group by user_id) d on d.user_id = l.user_id
		where l.n is distinct from d.requests or l.cost is distinct from d.cost`;
	expect(rollup, 'daily rollups that disagree with the logs').toEqual([]);
	// A call that reached no upstream (a refusal, or nothing could be tried) is charged nothing.
	const unreached = await sql`select request_id, status, cost from request_logs where attempts = 0 and cost <> 0`;
	expect(unreached, 'calls that reached no upstream yet cost something').toEqual([]);
}

/** Waits until the server's ledger has nothing waiting, then checks the books. */
export async function expectBooksBalanceOnceDrained(sql: postgres.Sql, serverUrls: string[], timeout = 20_000): Promise<void> {
	await eventually(
		async () => {
			for (const url of serverUrls) expect(sample(await scrapeMetrics(url), 'elygate_ledger_queue_depth')).toBe(0);
		},
		{ timeout }
	);
	await expectBooksBalance(sql);
}

/** Ledger transactions a server has committed (and attempted, failed). */
export async function ledgerFlushCounts(serverUrl: string): Promise<{ ok: number; error: number }> {
	const text = await scrapeMetrics(serverUrl);
	const read = (result: string) => {
		const v = sample(text, `elygate_ledger_flushes_total{result="${result}"}`);
		return Number.isNaN(v) ? 0 : v;
	};
	return { ok: read('ok'), error: read('error') };
}
