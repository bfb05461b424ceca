import type { Sql } from 'postgres';
import type { Logger } from '../observability/logger';
import { ledgerFlushSeconds, ledgerFlushes, ledgerRows } from '../observability/metrics';

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
	/** Called with the new balances of users whose balance changed in a flush. */
	onBalances?: (balances: Array<{ id: number; quota: number; usedQuota: number }>) => void;
}

/**
 * The batching ledger. Settled calls wait in memory; a flush writes up to `batchSize` of them
 * in one statement (so one transaction) that inserts the log rows and applies the per-user,
 * per-key and per-channel deltas computed from the rows *actually inserted*: a flush retried
 * after an ambiguous commit inserts nothing twice and so charges nothing twice. A failed flush
 * keeps its entries and retries with backoff; nothing is ever dropped.
 */
export class Ledger {
	readonly #sql: Sql;
	readonly #log: Logger;
	readonly #intervalMs: number;
	readonly #batchSize: number;
	readonly #maxQueue: number;
	readonly #onBalances: LedgerOptions['onBalances'];
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
		this.#batchSize = opts.batchSize ?? 1000;
		this.#maxQueue = opts.maxQueue ?? 100_000;
		this.#onBalances = opts.onBalances;
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

	/** One transaction for up to batchSize entries. True on success. */
	#flushOnce(): Promise<boolean> {
		if (this.#flushing || this.#queue.length === 0) return Promise.resolve(true);
		const batch = this.#queue.slice(0, this.#batchSize);
		let ok = false;
		const started = performance.now();
		this.#flushing = writeBatch(this.#sql, batch).then(
			(result) => {
				// Only now are the entries safely in the database.
				this.#queue.splice(0, batch.length);
						ledgerRows.inc(result.inserted);
				ledgerFlushes.labels('ok').inc();
				ledgerFlushSeconds.observe((performance.now() - started) / 1000);
				this.#failures = 0;
				ok = true;
				if (result.balances.length) this.#onBalances?.(result.balances);
			},
			(err: unknown) => {
				this.#failures++;
				ledgerFlushes.labels('error').inc();
				this.#log.error({ err, entries: batch.length, attempt: this.#failures }, 'ledger flush failed; will retry');
			}
		);
		return this.#flushing.then(() => {
			this.#flushing = undefined;
			return ok;
		});
	}
}

interface BatchResult {
	inserted: number;
	balances: Array<{ id: number; quota: number; usedQuota: number }>;
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
	['prompt_tokens', 'int', (e) => e.promptTokens],
	['completion_tokens', 'int', (e) => e.completionTokens],
	['cache_read_tokens', 'int', (e) => e.cacheReadTokens],
	['cache_write_tokens', 'int', (e) => e.cacheWriteTokens],
	['reasoning_tokens', 'int', (e) => e.reasoningTokens],
	['estimated', 'bool', (e) => e.estimated],
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
		else throw new Error(`ledger: ${String(v)} is not a valid ${type}`);
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
 * The flush statement: the batch travels column by column (one prepared statement whatever
 * the batch size) and is unnested into rows. Data-modifying CTEs run exactly once, inside the
 * statement's single transaction, and every delta is computed from the rows actually inserted.
 */
const FLUSH_SQL = `
	with input as (
		select ${SELECT_LIST} from unnest(${UNNEST_ARGS}) as t(${COLUMN_LIST})
	),
	inserted as (
		insert into request_logs (${COLUMN_LIST})
		select * from input
		on conflict (request_id) do nothing
		returning user_id, api_key_id, channel_id, cost, created_at
	),
	per_user as (
		update users u set quota = u.quota - d.cost, used_quota = u.used_quota + d.cost, request_count = u.request_count + d.n
		from (select user_id, count(*) as n, sum(cost) as cost from inserted group by user_id) d
		where u.id = d.user_id
		returning u.id, u.quota, u.used_quota, d.cost as delta
	),
	per_key as (
		update api_keys k set used_quota = k.used_quota + d.cost, request_count = k.request_count + d.n,
			last_used_at = greatest(k.last_used_at, d.last)
		from (select api_key_id, count(*) as n, sum(cost) as cost, max(created_at) as last
			from inserted where api_key_id is not null group by api_key_id) d
		where k.id = d.api_key_id
		returning k.id
	),
	per_channel as (
		update channels c set used_quota = c.used_quota + d.cost, request_count = c.request_count + d.n
		from (select channel_id, count(*) as n, sum(cost) as cost from inserted where channel_id is not null group by channel_id) d
		where c.id = d.channel_id
		returning c.id
	)
	select (select count(*)::int from inserted) as inserted,
		(select json_agg(json_build_object('id', id, 'quota', quota::text, 'used_quota', used_quota::text))
			from per_user where delta <> 0) as balances`;

type FlushRow = { inserted: number; balances: Array<{ id: number; quota: string; used_quota: string }> | null };

async function writeBatch(sql: Sql, batch: LedgerEntry[]): Promise<BatchResult> {
	const rows = await sql.unsafe<FlushRow[]>(FLUSH_SQL, encodeBatch(batch), { prepare: true });
	const row = rows[0];
	return {
		inserted: row?.inserted ?? 0,
		balances: (row?.balances ?? []).map((b) => ({ id: b.id, quota: Number(b.quota), usedQuota: Number(b.used_quota) }))
	};
}
