import { describe, expect, test } from 'vitest';
import { ledgerEntry } from '../testing/ledger-entry';
import { LedgerQueue } from './ledger-queue';

describe('ledger queue', () => {
	test('says full once maxQueue entries wait, and not before', () => {
		const queue = new LedgerQueue(3);
		expect(queue.push(ledgerEntry())).toBe(1);
		expect(queue.push(ledgerEntry())).toBe(2);
		expect(queue.full).toBe(false);
		expect(queue.push(ledgerEntry())).toBe(3);
		expect(queue.full).toBe(true);
		expect(queue.depth).toBe(3);
	});

	test('gives the oldest entries for a write without taking them out', () => {
		const queue = new LedgerQueue(10);
		const entries = [ledgerEntry(), ledgerEntry(), ledgerEntry()];
		for (const e of entries) queue.push(e);
		expect(queue.head(2)).toEqual(entries.slice(0, 2));
		expect(queue.head(5)).toEqual(entries);
		expect(queue.depth).toBe(3);
	});

	test('after a write, what is done leaves; the rest stays at the head in order, before what arrived meanwhile', () => {
		const queue = new LedgerQueue(10);
		const [a, b, c, d] = [ledgerEntry(), ledgerEntry(), ledgerEntry(), ledgerEntry()];
		for (const e of [a, b, c, d]) queue.push(e);
		const batch = queue.head(3);
		const late = ledgerEntry();
		queue.push(late);
		queue.release(batch, new Set([a, c]));
		expect(queue.head(10)).toEqual([b, d, late]);
		expect(queue.full).toBe(false);
	});

	test('a write that did nothing leaves the queue as it was', () => {
		const queue = new LedgerQueue(2);
		const entries = [ledgerEntry(), ledgerEntry()];
		for (const e of entries) queue.push(e);
		queue.release(queue.head(2), new Set());
		expect(queue.head(2)).toEqual(entries);
		expect(queue.full).toBe(true);
	});
});
