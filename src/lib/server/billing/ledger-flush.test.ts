import type { Row, Sql } from 'postgres';
import { describe, expect, test } from 'vitest';
import { createLogger } from '../observability/logger';
import { ledgerUsageClamped } from '../observability/metrics';
import { ledgerEntry } from '../testing/ledger-entry';
import { Ledger, type LedgerEntry, type LedgerOptions } from './ledger';

const log = createLogger('silent', { json: true });

/** A refusal for the data, as postgres.js reports a check constraint violation. */
const refusal = () => Object.assign(new Error('new row violates check constraint'), { name: 'PostgresError', code: '23514' });

/** The request ids of a flush statement's parameters (its first column). */
const idsOf = (params: readonly string[]): string[] =>
	params[0]!
		.slice(1, -1)
		.split(',')
		.map((quoted) => quoted.slice(1, -1));

/**
 * A stand-in for the ledger's connection: each flush statement is answered by `answer` (its
 * request ids in, the rows or a rejection out) and recorded; dead-letter inserts are recorded.
 */
function fakeDatabase(answer: (ids: string[]) => Promise<Row[]> = async (ids) => [{ inserted: ids.length, users: null, keys: null }]) {
	const flushes: string[][] = [];
	const deadLetters: string[] = [];
	const pending = <T>(result: Promise<T>) => Object.assign(result, { cancel: () => {} });
	const sql = (_: TemplateStringsArray, ...values: unknown[]) => {
		deadLetters.push(String(values[0]));
		return pending(Promise.resolve([]));
	};
	sql.unsafe = (_: string, params: string[]) => {
		const ids = idsOf(params);
		flushes.push(ids);
		return pending(answer(ids));
	};
	return { sql: sql as unknown as Sql, flushes, deadLetters };
}

function recordingLedger(sql: Sql, opts: LedgerOptions = {}) {
	const flushed: string[][] = [];
	const quarantined: string[] = [];
	const ledger = new Ledger(sql, log, {
		intervalMs: 10_000,
		...opts,
		onFlushed: (batch) => flushed.push(batch.map((e) => e.requestId)),
		onQuarantined: (e) => quarantined.push(e.requestId)
	});
	return { ledger, flushed, quarantined };
}

async function until(done: () => boolean, timeoutMs = 5_000): Promise<void> {
	const deadline = Date.now() + timeoutMs;
	while (!done()) {
		if (Date.now() > deadline) throw new Error(`not done within ${timeoutMs} ms`);
		await Bun.sleep(5);
	}
}

const ids = (entries: readonly LedgerEntry[]) => entries.map((e) => e.requestId);

describe('ledger queue and flush together', () => {
	test('entries wait for the interval; a full batch is written at once', async () => {
		const db = fakeDatabase();
		const { ledger, flushed } = recordingLedger(db.sql, { batchSize: 3 });
		const entries = [ledgerEntry(), ledgerEntry(), ledgerEntry()];
		ledger.push(entries[0]!);
		ledger.push(entries[1]!);
		await Bun.sleep(30);
		expect(db.flushes).toEqual([]);
		expect(ledger.depth).toBe(2);
		ledger.push(entries[2]!);
		await until(() => flushed.length > 0);
		expect(flushed).toEqual([ids(entries)]);
		expect(ledger.depth).toBe(0);
		await ledger.close();
	});

	test('drain writes batches of batchSize in the order pushed, each reported once', async () => {
		const db = fakeDatabase();
		const { ledger, flushed } = recordingLedger(db.sql, { batchSize: 2 });
		const entries = Array.from({ length: 5 }, () => ledgerEntry());
		for (const e of entries) ledger.push(e);
		await ledger.drain();
		expect(flushed).toEqual([ids(entries.slice(0, 2)), ids(entries.slice(2, 4)), ids(entries.slice(4))]);
		expect(db.flushes).toEqual(flushed);
		await ledger.close();
	});

	test('entries pushed while a write is in flight are written after it, not in it', async () => {
		let release: () => void = () => {};
		const held = new Promise<void>((resolve) => (release = resolve));
		const db = fakeDatabase(async (batch) => {
			await held;
			return [{ inserted: batch.length, users: null, keys: null }];
		});
		const { ledger, flushed } = recordingLedger(db.sql, { batchSize: 10 });
		const first = ledgerEntry();
		ledger.push(first);
		const drained = ledger.drain();
		await Bun.sleep(10);
		const late = ledgerEntry();
		ledger.push(late);
		expect(ledger.depth).toBe(2);
		release();
		await drained;
		expect(flushed).toEqual([[first.requestId], [late.requestId]]);
		await ledger.close();
	});

	test('a write that fails keeps its entries, in order, and nothing is reported until they are written', async () => {
		let failures = 1;
		const db = fakeDatabase(async (batch) => {
			if (failures-- > 0) throw new Error('connection lost');
			return [{ inserted: batch.length, users: null, keys: null }];
		});
		const { ledger, flushed } = recordingLedger(db.sql);
		const entries = [ledgerEntry(), ledgerEntry(), ledgerEntry()];
		for (const e of entries) ledger.push(e);
		await ledger.drain();
		expect(db.flushes).toEqual([ids(entries), ids(entries)]);
		expect(flushed).toEqual([ids(entries)]);
		expect(ledger.depth).toBe(0);
		await ledger.close();
	});

	test('a refused batch is written in halves: the refused entry is set aside, every other written once', async () => {
		const poison = ledgerEntry({ model: 'poison' });
		const db = fakeDatabase(async (batch) => {
			if (batch.includes(poison.requestId)) throw refusal();
			return [{ inserted: batch.length, users: null, keys: null }];
		});
		const { ledger, flushed, quarantined } = recordingLedger(db.sql);
		const good = Array.from({ length: 6 }, () => ledgerEntry());
		for (const e of [...good.slice(0, 4), poison, ...good.slice(4)]) ledger.push(e);
		await ledger.drain();
		expect(quarantined).toEqual([poison.requestId]);
		expect(db.deadLetters).toEqual([poison.requestId]);
		expect(flushed.flat().toSorted()).toEqual(ids(good).toSorted());
		expect(ledger.depth).toBe(0);
		await ledger.close();
	});

	test('the queue says full at maxQueue, and not once the entries are written', async () => {
		const db = fakeDatabase();
		const { ledger } = recordingLedger(db.sql, { maxQueue: 2 });
		ledger.push(ledgerEntry());
		expect(ledger.full).toBe(false);
		ledger.push(ledgerEntry());
		expect(ledger.full).toBe(true);
		await ledger.drain();
		expect(ledger.full).toBe(false);
		await ledger.close();
	});

	test('close gives up at its deadline and keeps what it could not write', async () => {
		const db = fakeDatabase(async () => {
			throw new Error('connection lost');
		});
		const { ledger, flushed } = recordingLedger(db.sql);
		ledger.push(ledgerEntry());
		await expect(ledger.close(150)).rejects.toThrow('The ledger could not write 1 entries before the deadline');
		expect(ledger.depth).toBe(1);
		expect(flushed).toEqual([]);
	});

	test('a call settled after the ledger closed is not recorded', async () => {
		const db = fakeDatabase();
		const { ledger } = recordingLedger(db.sql);
		await ledger.close();
		ledger.push(ledgerEntry());
		expect(ledger.depth).toBe(0);
		await Bun.sleep(10);
		expect(db.flushes).toEqual([]);
	});

	test('an entry billed at the bound is counted as it is pushed', async () => {
		const { ledger } = recordingLedger(fakeDatabase().sql);
		const before = (await ledgerUsageClamped.get()).values[0]?.value ?? 0;
		ledger.push(ledgerEntry({ usageClamped: true }));
		ledger.push(ledgerEntry());
		expect((await ledgerUsageClamped.get()).values[0]?.value).toBe(before + 1);
		await ledger.close();
	});
});
