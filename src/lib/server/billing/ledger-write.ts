import { getTableColumns } from 'drizzle-orm';
import type { PendingQuery, Row, Sql } from 'postgres';
import * as z from 'zod';
import { requestLogs } from '../db/schema';
import { STATE_CHANNEL } from '../state/changes';
import type { KeyBalance, UserBalance } from '../state/balances';
import type { LedgerEntry } from './ledger-queue';

/** What a flush wrote: rows inserted, and the balances of every user and key in its batch. */
export interface BatchResult {
	inserted: number;
	users: UserBalance[];
	keys: KeyBalance[];
}

/** When the writes that included an entry first failed, and how many did. */
export interface Failures {
	firstFailedAt: Date;
	attempts: number;
}

type Cell = string | number | boolean | null;
type ColumnType = 'text' | 'int' | 'int8' | 'float8' | 'bool' | 'epoch_ms';

/** How each kind of Drizzle column of request_logs travels in the flush statement. */
const TYPE_OF: Readonly<Record<string, ColumnType>> = {
	PgText: 'text',
	PgInteger: 'int',
	PgBigInt53: 'int8',
	PgDoublePrecision: 'float8',
	PgBoolean: 'bool',
	// A Date goes as epoch milliseconds: cheaper to encode and parse than a timestamp literal.
	PgTimestamp: 'epoch_ms'
};

interface LogColumn {
	name: string;
	type: ColumnType;
	read: (e: LedgerEntry) => Cell;
}

/**
 * Each request_logs column in the table's order, its type on the way in, and how to read it off
 * an entry. A column of a kind the statement cannot carry fails here, when the module loads,
 * rather than at the first flush.
 */
function logColumns(): LogColumn[] {
	const columns = getTableColumns(requestLogs);
	return (Object.keys(columns) as Array<keyof typeof columns>).map((key) => {
		const column = columns[key];
		const type = TYPE_OF[column.columnType];
		if (!type) throw new Error(`request_logs.${column.name} is a ${column.columnType}, which the ledger's flush cannot write`);
		return {
			name: column.name,
			type,
			read: (e) => {
				const v = e[key];
				return v instanceof Date ? v.getTime() : v;
			}
		};
	});
}

const COLUMNS = logColumns();

const NEEDS_ESCAPE = /["\\]/;

function quoted(v: string): string {
	return NEEDS_ESCAPE.test(v) ? `"${v.replace(/["\\]/g, '\\$&')}"` : `"${v}"`;
}

/** A value the ledger cannot even send to the database (NaN, Infinity): refused like a data error. */
export class UnencodableEntry extends Error {
	override name = 'UnencodableEntry';
}

/**
 * One column as a PostgreSQL array literal ({"a","b",NULL}, {1,2,3}). Typed arrays are the
 * cheapest input for the server to parse (several times cheaper than JSON), and built with
 * joins they are cheap here too. postgres.js's own array parameters cannot be used: they turn
 * null into the string "NULL" and booleans into scalars.
 */
export function arrayLiteral(type: ColumnType, cells: readonly Cell[]): string {
	const parts = new Array<string>(cells.length);
	for (let i = 0; i < cells.length; i++) {
		const v = cells[i];
		if (v === null || v === undefined) parts[i] = 'NULL';
		else if (type === 'text') parts[i] = quoted(String(v));
		else if (type === 'bool') parts[i] = v ? 't' : 'f';
		else if (typeof v === 'number' && Number.isFinite(v)) parts[i] = String(v);
		else throw new UnencodableEntry(`${String(v)} is not a valid ${type}`);
	}
	return `{${parts.join(',')}}`;
}

const COLUMN_LIST = COLUMNS.map((c) => c.name).join(', ');
const INPUT_TYPES: Record<ColumnType, string> = { text: 'text', int: 'int', int8: 'int8', float8: 'float8', bool: 'bool', epoch_ms: 'float8' };
const UNNEST_ARGS = COLUMNS.map((c, i) => `$${i + 1}::text::${INPUT_TYPES[c.type]}[]`).join(', ');
const SELECT_LIST = COLUMNS.map((c) => (c.type === 'epoch_ms' ? `to_timestamp(${c.name} / 1000)` : c.name)).join(', ');

/** The batch as the flush statement's parameters: one array literal per column. */
export function encodeBatch(batch: readonly LedgerEntry[]): string[] {
	return COLUMNS.map((c) => arrayLiteral(c.type, batch.map(c.read)));
}

/**
 * The flush statement: the batch travels column by column and is unnested into rows.
 * Data-modifying CTEs run exactly once, inside the statement's single transaction, and every
 * delta (balances, spend, counts, the daily and hourly rollups) is computed from the rows *actually
 * inserted*. It answers with the current balance of every user and key in the batch, charged
 * now or by an earlier attempt whose commit was never acknowledged, and sends them to every
 * instance with NOTIFY (delivered at commit; chunks of 100 stay far below NOTIFY's 8 kB limit).
 */
export const FLUSH_SQL = `
	with input as (
		select ${SELECT_LIST} from unnest(${UNNEST_ARGS}) as t(${COLUMN_LIST})
	),
	inserted as (
		insert into request_logs (${COLUMN_LIST})
		select * from input
		on conflict (request_id) do nothing
		returning user_id, api_key_id, channel_id, model, status, cost, created_at, prompt_tokens, completion_tokens, cache_read_tokens
	),
	per_user as (
		update users u set quota = u.quota - d.cost, used_quota = u.used_quota + d.cost, request_count = u.request_count + d.n,
			balance_version = u.balance_version + 1
		from (select user_id, count(*) as n, sum(cost) as cost from inserted group by user_id) d
		where u.id = d.user_id
		returning u.id, u.quota, u.used_quota, u.balance_version
	),
	per_key as (
		update api_keys k set used_quota = k.used_quota + d.cost, request_count = k.request_count + d.n,
			last_used_at = greatest(k.last_used_at, d.last)
		from (select api_key_id, count(*) as n, sum(cost) as cost, max(created_at) as last
			from inserted where api_key_id is not null group by api_key_id) d
		where k.id = d.api_key_id
		returning k.id, k.used_quota
	),
	per_channel as (
		update channels c set used_quota = c.used_quota + d.cost, request_count = c.request_count + d.n
		from (select channel_id, count(*) as n, sum(cost) as cost from inserted where channel_id is not null group by channel_id) d
		where c.id = d.channel_id
		returning c.id
	),
	per_day as (
		insert into usage_daily as u (day, user_id, api_key_id, channel_id, model, requests, failures,
			prompt_tokens, completion_tokens, cache_read_tokens, cost)
		select (created_at at time zone 'UTC')::date, user_id, coalesce(api_key_id, 0), coalesce(channel_id, 0), model,
			count(*), count(*) filter (where status <> 200), sum(prompt_tokens), sum(completion_tokens), sum(cache_read_tokens), sum(cost)
		from inserted group by 1, 2, 3, 4, 5
		on conflict (day, user_id, api_key_id, channel_id, model) do update set
			requests = u.requests + excluded.requests, failures = u.failures + excluded.failures,
			prompt_tokens = u.prompt_tokens + excluded.prompt_tokens, completion_tokens = u.completion_tokens + excluded.completion_tokens,
			cache_read_tokens = u.cache_read_tokens + excluded.cache_read_tokens, cost = u.cost + excluded.cost
		returning 1
	),
	per_hour as (
		insert into usage_hourly as h (hour, user_id, channel_id, model, requests, failures,
			prompt_tokens, completion_tokens, cache_read_tokens, cost)
		select date_trunc('hour', created_at at time zone 'UTC') at time zone 'UTC', user_id, coalesce(channel_id, 0), model,
			count(*), count(*) filter (where status <> 200), sum(prompt_tokens), sum(completion_tokens), sum(cache_read_tokens), sum(cost)
		from inserted group by 1, 2, 3, 4
		on conflict (hour, user_id, channel_id, model) do update set
			requests = h.requests + excluded.requests, failures = h.failures + excluded.failures,
			prompt_tokens = h.prompt_tokens + excluded.prompt_tokens, completion_tokens = h.completion_tokens + excluded.completion_tokens,
			cache_read_tokens = h.cache_read_tokens + excluded.cache_read_tokens, cost = h.cost + excluded.cost
		returning 1
	),
	user_balances as (
		select id, quota, used_quota, balance_version from per_user
		union all
		select id, quota, used_quota, balance_version from users
		where id in (select user_id from input) and id not in (select id from per_user)
	),
	key_spend as (
		select id, used_quota from per_key
		union all
		select id, used_quota from api_keys
		where id in (select api_key_id from input) and id not in (select id from per_key)
	),
	notified as (
		select pg_notify('${STATE_CHANNEL}', json_build_object('kind', 'balances',
			'users', json_agg(json_build_array(id, quota, used_quota, balance_version)), 'keys', '[]'::json)::text)
		from (select *, (row_number() over (order by id) - 1) / 100 as chunk from user_balances) b group by chunk
		union all
		select pg_notify('${STATE_CHANNEL}', json_build_object('kind', 'balances',
			'users', '[]'::json, 'keys', json_agg(json_build_array(id, used_quota)))::text)
		from (select *, (row_number() over (order by id) - 1) / 100 as chunk from key_spend) k group by chunk
	)
	select (select count(*)::int from inserted) as inserted,
		(select count(*)::int from per_channel) + (select count(*)::int from per_day) + (select count(*)::int from per_hour) + (select count(*)::int from notified) as touched,
		(select json_agg(json_build_array(id, quota, used_quota, balance_version)) from user_balances) as users,
		(select json_agg(json_build_array(id, used_quota)) from key_spend) as keys`;

const flushRow = z.object({
	inserted: z.number().int(),
	users: z.array(z.tuple([z.number().int(), z.number(), z.number(), z.number().int()])).nullable(),
	keys: z.array(z.tuple([z.number().int(), z.number()])).nullable()
});

/** Writes `batch` and its balance deltas in one statement, so one transaction. */
export async function writeBatch(sql: Sql, batch: LedgerEntry[], timeoutMs: number): Promise<BatchResult> {
	// Not prepared: at ~10 flushes a second the re-planning costs nothing, and each flush then
	// carries its statement text, which is what a fault-injecting proxy in the tests looks for.
	const rows = await withTimeout(sql.unsafe(FLUSH_SQL, encodeBatch(batch), { prepare: false }), timeoutMs);
	const row = flushRow.parse(rows[0]);
	return { inserted: row.inserted, users: row.users ?? [], keys: row.keys ?? [] };
}

/**
 * Stores a refused entry. Its fields are made storable first (a NUL character, which neither
 * text nor jsonb accepts, becomes U+FFFD; NaN and Infinity become strings), so this insert can
 * only fail for reasons a retry cures. A second refusal of the same entry (a retry after a lost
 * acknowledgement) only adds to its attempts.
 */
export function insertDeadLetter(sql: Sql, entry: LedgerEntry, reason: { code: string | null; message: string }, failures: Failures): PendingQuery<Row[]> {
	const json = JSON.stringify(entry, (_, v: unknown) => (typeof v === 'string' ? storable(v) : typeof v === 'number' && !Number.isFinite(v) ? String(v) : v));
	const userId = Number.isSafeInteger(entry.userId) && Math.abs(entry.userId) <= 2_147_483_647 ? entry.userId : null;
	// The time goes as text: Drizzle, sharing this postgres.js client, replaces its date serializer.
	return sql`
		insert into ledger_dead_letters (request_id, user_id, entry, sqlstate, reason, attempts, first_failed_at)
		values (${storable(String(entry.requestId))}, ${userId}, ${json}::text::jsonb, ${reason.code}, ${reason.message}, ${failures.attempts}, ${failures.firstFailedAt.toISOString()}::timestamptz)
		on conflict (request_id) do update set attempts = ledger_dead_letters.attempts + excluded.attempts,
			sqlstate = excluded.sqlstate, reason = excluded.reason, quarantined_at = now()`;
}

const storable = (text: string) => (text.includes('\0') ? text.replaceAll('\0', '\uFFFD') : text);

/**
 * `query`, cancelled and failed when no answer comes within `timeoutMs`. A connection that died
 * without a word would otherwise hold billing up for good; retrying is safe because every
 * ledger write is idempotent.
 */
export async function withTimeout<T extends Row[]>(query: PendingQuery<T>, timeoutMs: number): Promise<T> {
	let timer: ReturnType<typeof setTimeout> | undefined;
	const timedOut = new Promise<never>((_, reject) => {
		timer = setTimeout(() => {
			Promise.resolve()
				.then(() => query.cancel())
				.catch(() => {});
			reject(new Error(`the ledger got no answer within ${timeoutMs} ms`));
		}, timeoutMs);
	});
	try {
		return await Promise.race([query, timedOut]);
	} finally {
		clearTimeout(timer);
	}
}
