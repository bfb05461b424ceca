import type { Sql } from 'postgres';
import type { Logger } from '../observability/logger';
import { ledgerUsageClamped } from '../observability/metrics';
import { LedgerFlush, type FlushOptions } from './ledger-flush';
import { LedgerQueue, type LedgerEntry } from './ledger-queue';

export type { LedgerEntry } from './ledger-queue';
export type { BatchResult } from './ledger-write';

export interface LedgerOptions extends FlushOptions {
	/** Beyond this many waiting entries the relay refuses new calls (503) rather than serve unbilled. */
	maxQueue?: number;
}

/**
 * The batching ledger: settled calls wait in memory (ledger-queue.ts) and are written in
 * batches, each in one idempotent transaction with the balances it implies (ledger-flush.ts).
 * Nothing is ever dropped: a failed flush retries, and what the database refuses is set aside
 * in ledger_dead_letters uncharged.
 */
export class Ledger {
	readonly #log: Logger;
	readonly #queue: LedgerQueue;
	readonly #flush: LedgerFlush;

	constructor(sql: Sql, log: Logger, opts: LedgerOptions = {}) {
		this.#log = log;
		this.#queue = new LedgerQueue(opts.maxQueue ?? 100_000);
		this.#flush = new LedgerFlush(sql, log, this.#queue, opts);
	}

	get depth(): number {
		return this.#queue.depth;
	}

	/** True when new billable work must be refused until the database catches up. */
	get full(): boolean {
		return this.#queue.full;
	}

	push(entry: LedgerEntry): void {
		if (this.#flush.finished && this.#queue.depth === 0) {
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
		this.#flush.queued(this.#queue.push(entry));
	}

	/** Writes everything queued now; resolves when the queue is empty (retrying failures). */
	drain(deadlineMs?: number): Promise<void> {
		return this.#flush.drain(deadlineMs);
	}

	/** Final drain: stops the timer and writes what is queued (or arrives while it drains). */
	close(deadlineMs?: number): Promise<void> {
		return this.#flush.close(deadlineMs);
	}
}
