import type { RequestLog } from '../db/schema';

/**
 * One settled call: its request_logs row, every column given (the flush writes rows whole and
 * leaves nothing to a column default), and so the balance deltas it implies. The table is
 * the one declaration: a column added to db/schema/logs.ts is an entry field here, in the
 * flush's column list and in the log views at once.
 */
export type LedgerEntry = RequestLog;

/**
 * Settled calls waiting to be written, oldest first. It is bounded only in the sense that it
 * says when it is `full`: the relay then refuses new billable calls (503) rather than serve
 * them unbilled, while calls already running still settle into it.
 */
export class LedgerQueue {
	readonly #maxQueue: number;
	#entries: LedgerEntry[] = [];

	constructor(maxQueue: number) {
		this.#maxQueue = maxQueue;
	}

	/** Entries awaiting their write. */
	get depth(): number {
		return this.#entries.length;
	}

	/** True when new billable work must be refused until the database catches up. */
	get full(): boolean {
		return this.#entries.length >= this.#maxQueue;
	}

	/** Appends a settled call; answers the depth it leaves. */
	push(entry: LedgerEntry): number {
		return this.#entries.push(entry);
	}

	/** The oldest `count` entries, for one write. */
	head(count: number): LedgerEntry[] {
		return this.#entries.slice(0, count);
	}

	/**
	 * Takes out of `batch` (the head the write was given) the entries in `done`, written or set
	 * aside; the rest stay at the head, in order, for the next try.
	 */
	release(batch: readonly LedgerEntry[], done: ReadonlySet<LedgerEntry>): void {
		if (done.size > 0) this.#entries.splice(0, batch.length, ...batch.filter((e) => !done.has(e)));
	}
}
