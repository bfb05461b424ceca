import { describe, expect, test } from 'vitest';
import type { KeyState, Snapshot, UserState } from '../state/snapshot';
import { ledgerEntry } from '../testing/ledger-entry';
import { reconcileWithWallet } from './ledger-reconcile';
import { Wallet, type Charge } from './wallet';

function user(over: Partial<UserState> = {}): UserState {
	return { id: 1, username: 'u', role: 'user', status: 'active', group: 'default', quota: 1000, usedQuota: 0, balanceVersion: 1, ...over };
}

function key(over: Partial<KeyState> = {}): KeyState {
	return { id: 7, userId: 1, name: 'k', status: 'active', expiresAt: null, allowedModels: null, ipAllowed: () => true, quotaLimit: 800, usedQuota: 0, rpmLimit: null, tpmLimit: null, group: null, ...over };
}

function snapshotOf(u: UserState, k: KeyState): Snapshot {
	return { users: new Map([[u.id, u]]), keyHashById: new Map([[k.id, 'h']]), keysByHash: new Map([['h', k]]) } as unknown as Snapshot;
}

/** A wallet that notes what a user and a key could spend at the moment it is told of a flush. */
class WatchedWallet extends Wallet {
	readonly seen: Array<{ user: number; key: number }> = [];
	constructor(
		private readonly u: UserState,
		private readonly k: KeyState
	) {
		super();
	}
	override flushed(charges: Iterable<Charge>): void {
		this.seen.push({ user: this.availableToUser(this.u), key: this.availableToKey(this.k) });
		super.flushed(charges);
	}
}

describe('reconciling ledger flushes with the wallet', () => {
	test('a written batch: the snapshot shows its balances before the wallet lets go, in the same synchronous step', () => {
		const u = user();
		const k = key();
		const wallet = new WatchedWallet(u, k);
		wallet.reserve(u, k, 300);
		wallet.settle(1, 7, 300, 250);
		const before = { user: wallet.availableToUser(u), key: wallet.availableToKey(k) };
		expect(before).toEqual({ user: 750, key: 550 });
		const { onFlushed } = reconcileWithWallet(wallet, () => snapshotOf(u, k));

		onFlushed([ledgerEntry({ cost: 250 })], { inserted: 1, users: [[1, 750, 250, 2]], keys: [[7, 250]] });

		// Had the wallet let go first, it would have seen 1000 / 800: money counted as spendable twice.
		expect(wallet.seen).toEqual([{ user: 750 - 250, key: 550 - 250 }]);
		// Returned synchronously with both done: what is available did not move.
		expect({ user: wallet.availableToUser(u), key: wallet.availableToKey(k) }).toEqual(before);
		expect({ quota: u.quota, version: u.balanceVersion, keySpend: k.usedQuota }).toEqual({ quota: 750, version: 2, keySpend: 250 });
		expect(wallet.holding).toEqual({ users: 0, keys: 0 });
	});

	test('the snapshot is read at each flush, so a reloaded one gets the balances', () => {
		const first = user();
		const reloaded = user();
		let current = snapshotOf(first, key());
		const wallet = new Wallet();
		const { onFlushed } = reconcileWithWallet(wallet, () => current);
		current = snapshotOf(reloaded, key());
		onFlushed([ledgerEntry()], { inserted: 1, users: [[1, 990, 10, 2]], keys: [] });
		expect(reloaded.quota).toBe(990);
		expect(first.quota).toBe(1000);
	});

	test('a quarantined entry is released from the wallet and leaves the snapshot alone', () => {
		const u = user();
		const k = key();
		const wallet = new Wallet();
		wallet.reserve(u, k, 100);
		wallet.settle(1, 7, 100, 40);
		const { onQuarantined } = reconcileWithWallet(wallet, () => snapshotOf(u, k));
		onQuarantined(ledgerEntry({ cost: 40 }));
		expect(wallet.holding).toEqual({ users: 0, keys: 0 });
		expect({ quota: u.quota, keySpend: k.usedQuota }).toEqual({ quota: 1000, keySpend: 0 });
	});
});
