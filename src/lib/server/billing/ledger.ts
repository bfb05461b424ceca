import type { Sql } from 'postgres';
import type { Logger } from '../observability/logger';
import { ledgerFlushSeconds, ledgerFlushes, ledgerQueueDepth, ledgerRows } from '../observability/metrics';

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
		ledgerQueueDepth.set(this.#queue.length);
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
				ledgerQueueDepth.set(this.#queue.length);
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

const COLUMNS = [
	'request_id',
	'client_request_id',
	'created_at',
	'user_id',
	'api_key_id',
	'channel_id',
	'model',
	'upstream_model',
	'door',
	'stream',
	'prompt_tokens',
	'completion_tokens',
	'cache_read_tokens',
	'cache_write_tokens',
	'reasoning_tokens',
	'estimated',
	'model_ratio',
	'completion_ratio',
	'group_ratio',
	'cache_read_ratio',
	'cache_write_ratio',
	'price_per_request_usd',
	'cost',
	'status',
	'latency_ms',
	'first_token_ms',
	'attempts',
	'error',
	'client_ip'
] as const;

function toRow(e: LedgerEntry): Record<(typeof COLUMNS)[number], string | number | boolean | null> {
	return {
		request_id: e.requestId,
		client_request_id: e.clientRequestId,
		created_at: e.createdAt.toISOString(),
		user_id: e.userId,
		api_key_id: e.apiKeyId,
		channel_id: e.channelId,
		model: e.model,
		upstream_model: e.upstreamModel,
		door: e.door,
		stream: e.stream,
		prompt_tokens: e.promptTokens,
		completion_tokens: e.completionTokens,
		cache_read_tokens: e.cacheReadTokens,
		cache_write_tokens: e.cacheWriteTokens,
		reasoning_tokens: e.reasoningTokens,
		estimated: e.estimated,
		model_ratio: e.modelRatio,
		completion_ratio: e.completionRatio,
		group_ratio: e.groupRatio,
		cache_read_ratio: e.cacheReadRatio,
		cache_write_ratio: e.cacheWriteRatio,
		price_per_request_usd: e.pricePerRequestUsd,
		cost: e.cost,
		status: e.status,
		latency_ms: e.latencyMs,
		first_token_ms: e.firstTokenMs,
		attempts: e.attempts,
		error: e.error,
		client_ip: e.clientIp
	};
}

const COLUMN_LIST = COLUMNS.join(', ');

/**
 * The flush statement. The batch travels as one JSON parameter (sent as text: Drizzle swaps the
 * pool's json serializer, and postgres.js mangles nulls and booleans in array parameters),
 * expanded by json_populate_recordset, typed by the table itself; so it is one
 * prepared statement whatever the batch size; data-modifying CTEs run exactly once, inside the
 * statement's single transaction.
 */
async function writeBatch(sql: Sql, batch: LedgerEntry[]): Promise<BatchResult> {
	const rows = await sql<{ inserted: number; balances: Array<{ id: number; quota: string; used_quota: string }> | null }[]>`
		with input as (
			select ${sql.unsafe(COLUMN_LIST)} from json_populate_recordset(null::request_logs, ${JSON.stringify(batch.map(toRow))}::text::json)
		),
		inserted as (
			insert into request_logs (${sql.unsafe(COLUMN_LIST)})
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
	const row = rows[0];
	return {
		inserted: row?.inserted ?? 0,
		balances: (row?.balances ?? []).map((b) => ({ id: b.id, quota: Number(b.quota), usedQuota: Number(b.used_quota) }))
	};
}
