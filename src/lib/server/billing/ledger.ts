import type { PendingQuery, Row, Sql } from 'postgres';
import type { Logger } from '../observability/logger';
import * as z from 'zod';
import { describeDbError, isDataError } from '../db/errors';
import { ledgerBatchRows, ledgerDeadLetters, ledgerFlushSeconds, ledgerFlushes, ledgerRows, ledgerUsageClamped } from '../observability/metrics';
import { STATE_CHANNEL } from '../state/changes';
import type { KeyBalance, UserBalance } from '../state/balances';

/** One settled call: a request_logs row and the balance deltas it implies. */
export interface LedgerEntry {
	/** Server-generated; the idempotency key of the whole ledger. */
	requestId: string;
	clientRequestId: string | null;
	createdAt: Date;
	userId: number;
	apiKeyId: number | null;
	channelId: number | null;
	model: string;
	upstreamModel: string | null;
	door: string;
	stream: boolean;
	promptTokens: number;
	completionTokens: number;
	cacheReadTokens: number;
	cacheWriteTokens: number;
	reasoningTokens: number;
	estimated: boolean;
	/** Usage or cost was malformed or beyond a per-call ceiling and is billed at the bound (billing/usage-bounds.ts). */
	usageClamped: boolean;
	modelRatio: number | null;
	completionRatio: number | null;
	groupRatio: number | null;
	cacheReadRatio: number | null;
	cacheWriteRatio: number | null;
	pricePerRequestUsd: number | null;
	/** Quota units charged; 0 for a call that delivered nothing. */
	cost: number;
	status: number;
	latencyMs: number | null;
	firstTokenMs: number | null;
	attempts: number;
	error: string | null;
	clientIp: string | null;
}

export interface LedgerOptions {
	/** Flush at least this often while entries wait. */
	intervalMs?: number;
	/** Flush at once when this many wait; also the most rows per transaction. */
	batchSize?: number;
	/** Beyond this many waiting entries the relay refuses new calls (503) rather than serve unbilled. */
	maxQueue?: number;
	/**
	 * A flush not answered within this long is cancelled and retried. A connection that died
	 * without a word would otherwise hold billing up for good; retrying is safe because the
	 * flush is idempotent (a late commit of the first try makes the retry insert nothing).
	 */
	flushTimeoutMs?: number;
	/**
	 * Called synchronously once a batch is safely in the database, with the balances the
	 * flush read back: the snapshot takes them and the wallet stops holding the batch's costs
	 * in the same step, so no instant sees a cost counted twice or not at all.
	 */
	onFlushed?: (batch: readonly LedgerEntry[], result: BatchResult) => void;
	/**
	 * Called synchronously once an entry the database refused is safely set aside in
	 * ledger_dead_letters: it charged nothing, so the wallet stops holding its cost.
	 */
	onQuarantined?: (entry: LedgerEntry) => void;
}

/** When the writes that included an entry first failed, and how many did. */
interface Failures {
	firstFailedAt: Date;
	attempts: number;
}

/**
 * The batching ledger. Settled calls wait in memory; a flush writes up to `batchSize` of them
 * in one statement (so one transaction) that inserts the log rows and applies the per-user,
 * per-key and per-channel deltas computed from the rows *actually inserted*: a flush retried
 * after an ambiguous commit inserts nothing twice and so charges nothing twice. A failed flush
 * keeps its entries and retries with backoff; nothing is ever dropped.
 *
 * A batch the database refuses for its data (a value out of a column's range, a constraint)
 * would fail the same way forever and hold up everyone's billing behind it, so it is written
 * in halves, down to the entries it refuses; those are set aside in ledger_dead_letters, with
 * the reason, charging nothing, and every other entry is written once.
 */
export class Ledger {
	readonly #sql: Sql;
	readonly #log: Logger;
	readonly #intervalMs: number;
	readonly #flushTimeoutMs: number;
	readonly #batchSize: number;
	readonly #maxQueue: number;
	readonly #onFlushed: LedgerOptions['onFlushed'];
	readonly #onQuarantined: LedgerOptions['onQuarantined'];
	readonly #failed = new WeakMap<LedgerEntry, Failures>();
	#queue: LedgerEntry[] = [];
	#flushing: Promise<void> | undefined;
	#timer: ReturnType<typeof setTimeout> | undefined;
	#failures = 0;
	#closed = false;
	#closeDone = false;

	constructor(sql: Sql, log: Logger, opts: LedgerOptions = {}) {
		this.#sql = sql;
		this.#log = log;
		this.#intervalMs = opts.intervalMs ?? 100;
		this.#flushTimeoutMs = opts.flushTimeoutMs ?? 30_000;
		this.#batchSize = opts.batchSize ?? 1000;
		this.#maxQueue = opts.maxQueue ?? 100_000;
		this.#onFlushed = opts.onFlushed;
		this.#onQuarantined = opts.onQuarantined;
	}

	get depth(): number {
		return this.#queue.length;
	}

	/** True when new billable work must be refused until the database catches up. */
	get full(): boolean {
		return this.#queue.length >= this.#maxQueue;
	}

	push(entry: LedgerEntry): void {
		if (this.#closed && !this.#flushing && this.#queue.length === 0 && this.#closeDone) {
			this.#log.error({ requestId: entry.requestId }, 'a call settled after the ledger closed; it is not recorded');
			return;
		}
		if (entry.usageClamped) {
			ledgerUsageClamped.inc();
			this.#log.warn(
				{ requestId: entry.requestId, userId: entry.userId, channelId: entry.channelId, model: entry.model, promptTokens: entry.promptTokens, completionTokens: entry.completionTokens, cost: entry.cost },
				"the upstream's usage was malformed or beyond the per-call ceiling: billed at the bound and flagged usage_clamped"
			);
		}
		this.#queue.push(entry);
		if (this.#queue.length >= this.#batchSize) this.#kick(0);
		else this.#kick(this.#intervalMs);
	}

	/** Writes everything queued now; resolves when the queue is empty (retrying failures). */
	async drain(deadlineMs = 30_000): Promise<void> {
		const deadline = Date.now() + deadlineMs;
		while (this.#queue.length > 0 || this.#flushing) {
			if (Date.now() > deadline) throw new Error(`The ledger could not write ${this.#queue.length} entries before the deadline`);
			if (this.#flushing) await this.#flushing;
			else if (this.#queue.length > 0) {
				const ok = await this.#flushOnce();
				if (!ok) await Bun.sleep(Math.min(1000, 50 * 2 ** Math.min(this.#failures, 5)));
			}
		}
	}

	/** Final drain: stops the timer and writes what is queued (or arrives while it drains). */
	async close(deadlineMs?: number): Promise<void> {
		this.#closed = true; // no new entries, and no retries scheduled past this drain
		clearTimeout(this.#timer);
		this.#timer = undefined;
		try {
			await this.drain(deadlineMs);
		} catch (err) {
			this.#log.error({ unwritten: this.#queue.length }, 'the ledger closed with entries it could not write');
			throw err;
		} finally {
			this.#closeDone = true;
		}
	}

	#kick(delayMs: number): void {
		if (this.#closed) return; // close() drains by itself
		if (this.#flushing) return; // the running flush reschedules itself
		if (this.#timer && delayMs > 0) return;
		clearTimeout(this.#timer);
		this.#timer = setTimeout(() => {
			this.#timer = undefined;
			void this.#flushOnce().then((ok) => {
				if (this.#queue.length === 0) return;
				this.#kick(ok ? (this.#queue.length >= this.#batchSize ? 0 : this.#intervalMs) : this.#backoffMs());
			});
		}, delayMs);
	}

	#backoffMs(): number {
		return Math.min(5_000, this.#intervalMs * 2 ** Math.min(this.#failures, 6));
	}

	/** Writes up to batchSize entries (one transaction unless the database refuses some). True when all are done. */
	#flushOnce(): Promise<boolean> {
		if (this.#flushing || this.#queue.length === 0) return Promise.resolve(true);
		const batch = this.#queue.slice(0, this.#batchSize);
		const done = new Set<LedgerEntry>();
		let ok = false;
		this.#flushing = this.#write(batch, done)
			.then(
				(complete) => {
					ok = complete;
				},
				(err: unknown) => this.#log.error({ err }, 'ledger flush crashed; will retry')
			)
			.finally(() => {
				// What was written or set aside leaves the queue; the rest stays at its head, in order.
				if (done.size > 0) this.#queue.splice(0, batch.length, ...batch.filter((e) => !done.has(e)));
			});
		return this.#flushing.then(() => {
			this.#flushing = undefined;
			return ok;
		});
	}

	/**
	 * Writes `entries` in one transaction. If the database refuses them for their data, each half
	 * is written on its own, down to the single entries it refuses, which are set aside. Any other
	 * failure (connection lost, timeout, server shutting down) stops the flush: what is not done
	 * stays queued and is retried with backoff. True when every entry is done.
	 */
	async #write(entries: LedgerEntry[], done: Set<LedgerEntry>, split = false): Promise<boolean> {
		const started = performance.now();
		let result: BatchResult;
		try {
			result = await writeBatch(this.#sql, entries, this.#flushTimeoutMs);
		} catch (err) {
			this.#noteFailure(entries);
			// The idempotency conflict never gets here: ON CONFLICT DO NOTHING absorbs it.
			if (!(err instanceof UnencodableEntry || isDataError(err))) return this.#retryLater(err, entries.length);
			ledgerFlushes.labels('rejected').inc();
			if (entries.length === 1) return this.#quarantine(entries[0]!, err, done);
			if (!split) this.#log.warn({ err, entries: entries.length }, 'the database refused a ledger batch for its data; writing it in halves to find the entries at fault');
			const half = Math.ceil(entries.length / 2);
			return (await this.#write(entries.slice(0, half), done, true)) && (await this.#write(entries.slice(half), done, true));
		}
		// Only now are the entries safely in the database.
		for (const e of entries) done.add(e);
		ledgerRows.inc(result.inserted);
		ledgerBatchRows.observe(entries.length);
		ledgerFlushes.labels('ok').inc();
		ledgerFlushSeconds.observe((performance.now() - started) / 1000);
		this.#failures = 0;
		this.#onFlushed?.(entries, result);
		return true;
	}

	#retryLater(err: unknown, entries: number): false {
		this.#failures++;
		ledgerFlushes.labels('error').inc();
		this.#log.error({ err, entries, attempt: this.#failures }, 'ledger flush failed; will retry');
		return false;
	}

	#noteFailure(entries: readonly LedgerEntry[]): void {
		const now = new Date();
		for (const e of entries) {
			const f = this.#failed.get(e);
			if (f) f.attempts++;
			else this.#failed.set(e, { firstFailedAt: now, attempts: 1 });
		}
	}

	/** Sets a refused entry aside with why; until that is stored it stays queued like any other. */
	async #quarantine(entry: LedgerEntry, refusal: unknown, done: Set<LedgerEntry>): Promise<boolean> {
		const reason = describeDbError(refusal);
		const failures = this.#failed.get(entry) ?? { firstFailedAt: new Date(), attempts: 1 };
		try {
			await withTimeout(insertDeadLetter(this.#sql, entry, reason, failures), this.#flushTimeoutMs);
		} catch (err) {
			return this.#retryLater(err, 1);
		}
		done.add(entry);
		ledgerDeadLetters.inc();
		this.#log.warn(
			{ requestId: entry.requestId, userId: entry.userId, cost: entry.cost, sqlstate: reason.code, reason: reason.message },
			'the database refused a ledger entry: it is kept in ledger_dead_letters and charged nothing'
		);
		this.#onQuarantined?.(entry);
		return true;
	}
}

/** What a flush wrote: rows inserted, and the balances of every user and key in its batch. */
export interface BatchResult {
	inserted: number;
	users: UserBalance[];
	keys: KeyBalance[];
}

type Cell = string | number | boolean | null;
type ColumnType = 'text' | 'int' | 'int8' | 'float8' | 'bool' | 'epoch_ms';

/** Each request_logs column, its type on the way in, and how to read it off an entry. */
const COLUMNS: ReadonlyArray<readonly [column: string, type: ColumnType, read: (e: LedgerEntry) => Cell]> = [
	['request_id', 'text', (e) => e.requestId],
	['client_request_id', 'text', (e) => e.clientRequestId],
	['created_at', 'epoch_ms', (e) => e.createdAt.getTime()],
	['user_id', 'int', (e) => e.userId],
	['api_key_id', 'int', (e) => e.apiKeyId],
	['channel_id', 'int', (e) => e.channelId],
	['model', 'text', (e) => e.model],
	['upstream_model', 'text', (e) => e.upstreamModel],
	['door', 'text', (e) => e.door],
	['stream', 'bool', (e) => e.stream],
	['prompt_tokens', 'int8', (e) => e.promptTokens],
	['completion_tokens', 'int8', (e) => e.completionTokens],
	['cache_read_tokens', 'int8', (e) => e.cacheReadTokens],
	['cache_write_tokens', 'int8', (e) => e.cacheWriteTokens],
	['reasoning_tokens', 'int8', (e) => e.reasoningTokens],
	['estimated', 'bool', (e) => e.estimated],
	['usage_clamped', 'bool', (e) => e.usageClamped],
	['model_ratio', 'float8', (e) => e.modelRatio],
	['completion_ratio', 'float8', (e) => e.completionRatio],
	['group_ratio', 'float8', (e) => e.groupRatio],
	['cache_read_ratio', 'float8', (e) => e.cacheReadRatio],
	['cache_write_ratio', 'float8', (e) => e.cacheWriteRatio],
	['price_per_request_usd', 'float8', (e) => e.pricePerRequestUsd],
	['cost', 'int8', (e) => e.cost],
	['status', 'int', (e) => e.status],
	['latency_ms', 'int', (e) => e.latencyMs],
	['first_token_ms', 'int', (e) => e.firstTokenMs],
	['attempts', 'int', (e) => e.attempts],
	['error', 'text', (e) => e.error],
	['client_ip', 'text', (e) => e.clientIp]
];

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

const COLUMN_LIST = COLUMNS.map(([name]) => name).join(', ');
const INPUT_TYPES: Record<ColumnType, string> = { text: 'text', int: 'int', int8: 'int8', float8: 'float8', bool: 'bool', epoch_ms: 'float8' };
const UNNEST_ARGS = COLUMNS.map(([, type], i) => `$${i + 1}::text::${INPUT_TYPES[type]}[]`).join(', ');
const SELECT_LIST = COLUMNS.map(([name, type]) => (type === 'epoch_ms' ? `to_timestamp(${name} / 1000)` : name)).join(', ');

/** The batch as the flush statement's parameters: one array literal per column. */
export function encodeBatch(batch: readonly LedgerEntry[]): string[] {
	return COLUMNS.map(([, type, read]) => arrayLiteral(type, batch.map(read)));
}

/**
 * The flush statement: the batch travels column by column and is unnested into rows.
 * Data-modifying CTEs run exactly once, inside the statement's single transaction, and every
 * delta (balances, spend, counts, the daily rollup) is computed from the rows *actually
 * inserted*. It answers with the current balance of every user and key in the batch, charged
 * now or by an earlier attempt whose commit was never acknowledged, and sends them to every
 * instance with NOTIFY (delivered at commit; chunks of 100 stay far below NOTIFY's 8 kB limit).
 */
const FLUSH_SQL = `
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
		(select count(*)::int from per_channel) + (select count(*)::int from per_day) + (select count(*)::int from notified) as touched,
		(select json_agg(json_build_array(id, quota, used_quota, balance_version)) from user_balances) as users,
		(select json_agg(json_build_array(id, used_quota)) from key_spend) as keys`;

const flushRow = z.object({
	inserted: z.number().int(),
	users: z.array(z.tuple([z.number().int(), z.number(), z.number(), z.number().int()])).nullable(),
	keys: z.array(z.tuple([z.number().int(), z.number()])).nullable()
});

async function writeBatch(sql: Sql, batch: LedgerEntry[], timeoutMs: number): Promise<BatchResult> {
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
function insertDeadLetter(sql: Sql, entry: LedgerEntry, reason: { code: string | null; message: string }, failures: Failures): PendingQuery<Row[]> {
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
async function withTimeout<T extends Row[]>(query: PendingQuery<T>, timeoutMs: number): Promise<T> {
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
