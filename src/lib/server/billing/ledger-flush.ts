import type { Sql } from 'postgres';
import type { Logger } from '../observability/logger';
import { describeDbError, isDataError } from '../db/errors';
import { ledgerBatchRows, ledgerDeadLetters, ledgerFlushSeconds, ledgerFlushes, ledgerRows } from '../observability/metrics';
import type { LedgerEntry, LedgerQueue } from './ledger-queue';
import { insertDeadLetter, UnencodableEntry, withTimeout, writeBatch, type BatchResult, type Failures } from './ledger-write';

export interface FlushOptions {
	/** Flush at least this often while entries wait. */
	intervalMs?: number;
	/** Flush at once when this many wait; also the most rows per transaction. */
	batchSize?: number;
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

/**
 * Writes what waits in a ledger queue. A flush writes up to `batchSize` entries in one
 * statement (so one transaction) that inserts the log rows and applies the per-user, per-key
 * and per-channel deltas computed from the rows *actually inserted*: a flush retried after an
 * ambiguous commit inserts nothing twice and so charges nothing twice. A failed flush keeps its
 * entries and retries with backoff; nothing is ever dropped.
 *
 * A batch the database refuses for its data (a value out of a column's range, a constraint)
 * would fail the same way forever and hold up everyone's billing behind it, so it is written
 * in halves, down to the entries it refuses; those are set aside in ledger_dead_letters, with
 * the reason, charging nothing, and every other entry is written once.
 */
export class LedgerFlush {
	readonly #sql: Sql;
	readonly #log: Logger;
	readonly #queue: LedgerQueue;
	readonly #intervalMs: number;
	readonly #flushTimeoutMs: number;
	readonly #batchSize: number;
	readonly #onFlushed: FlushOptions['onFlushed'];
	readonly #onQuarantined: FlushOptions['onQuarantined'];
	readonly #failed = new WeakMap<LedgerEntry, Failures>();
	#flushing: Promise<void> | undefined;
	#timer: ReturnType<typeof setTimeout> | undefined;
	#failures = 0;
	#closed = false;
	#closeDone = false;

	constructor(sql: Sql, log: Logger, queue: LedgerQueue, opts: FlushOptions = {}) {
		this.#sql = sql;
		this.#log = log;
		this.#queue = queue;
		this.#intervalMs = opts.intervalMs ?? 100;
		this.#flushTimeoutMs = opts.flushTimeoutMs ?? 30_000;
		this.#batchSize = opts.batchSize ?? 1000;
		this.#onFlushed = opts.onFlushed;
		this.#onQuarantined = opts.onQuarantined;
	}

	/** Closed, its final drain over and no write in flight: nothing would ever write a new entry. */
	get finished(): boolean {
		return this.#closed && !this.#flushing && this.#closeDone;
	}

	/** An entry joined the queue, leaving it `depth` long: a full batch is written at once, else within the interval. */
	queued(depth: number): void {
		if (depth >= this.#batchSize) this.#kick(0);
		else this.#kick(this.#intervalMs);
	}

	/** Writes everything queued now; resolves when the queue is empty (retrying failures). */
	async drain(deadlineMs = 30_000): Promise<void> {
		const deadline = Date.now() + deadlineMs;
		while (this.#queue.depth > 0 || this.#flushing) {
			if (Date.now() > deadline) throw new Error(`The ledger could not write ${this.#queue.depth} entries before the deadline`);
			if (this.#flushing) await this.#flushing;
			else if (this.#queue.depth > 0) {
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
			this.#log.error({ unwritten: this.#queue.depth }, 'the ledger closed with entries it could not write');
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
				if (this.#queue.depth === 0) return;
				this.#kick(ok ? (this.#queue.depth >= this.#batchSize ? 0 : this.#intervalMs) : this.#backoffMs());
			});
		}, delayMs);
	}

	#backoffMs(): number {
		return Math.min(5_000, this.#intervalMs * 2 ** Math.min(this.#failures, 6));
	}

	/** Writes up to batchSize entries (one transaction unless the database refuses some). True when all are done. */
	#flushOnce(): Promise<boolean> {
		if (this.#flushing || this.#queue.depth === 0) return Promise.resolve(true);
		const batch = this.#queue.head(this.#batchSize);
		const done = new Set<LedgerEntry>();
		let ok = false;
		this.#flushing = this.#write(batch, done)
			.then(
				(complete) => {
					ok = complete;
				},
				(err: unknown) => this.#log.error({ err }, 'ledger flush crashed; will retry')
			)
			// What was written or set aside leaves the queue; the rest stays at its head, in order.
			.finally(() => this.#queue.release(batch, done));
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
