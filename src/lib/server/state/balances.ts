import type { KeyState, Snapshot, UserState } from './snapshot';

/** A user's balance as written by a ledger flush: [id, quota, usedQuota, balanceVersion]. */
export type UserBalance = readonly [id: number, quota: number, usedQuota: number, balanceVersion: number];
/** A key's spend as written by a ledger flush: [id, usedQuota]. */
export type KeyBalance = readonly [id: number, usedQuota: number];

// Ledger flushes and reloads cross: a reload may read a row before a flush commits and land
// after the flush result was applied. Balances therefore only ever move forward: a user's by
// its balance version, a key's spend (which only grows) by its value.

/** `next` with the balance of `prev` when `prev`'s is fresher. Mutates and returns `next`. */
export function fresherUser(next: UserState, prev: UserState | undefined): UserState {
	if (prev && prev.balanceVersion > next.balanceVersion) {
		next.quota = prev.quota;
		next.usedQuota = prev.usedQuota;
		next.balanceVersion = prev.balanceVersion;
	}
	return next;
}

/** `next` with the spend of `prev` when `prev`'s is higher. Mutates and returns `next`. */
export function fresherKey(next: KeyState, prev: KeyState | undefined): KeyState {
	if (prev && prev.usedQuota > next.usedQuota) next.usedQuota = prev.usedQuota;
	return next;
}

/** Carries fresher balances from the snapshot being replaced into a freshly loaded one. */
export function keepFresherBalances(next: Snapshot, prev: Snapshot | undefined): void {
	if (!prev) return;
	for (const user of next.users.values()) fresherUser(user, prev.users.get(user.id));
	for (const key of next.keysByHash.values()) {
		const hash = prev.keyHashById.get(key.id);
		fresherKey(key, hash ? prev.keysByHash.get(hash) : undefined);
	}
}

/** Applies balances a flush wrote (this instance's or another's), never moving one backwards. */
export function applyBalances(snap: Snapshot, users: readonly UserBalance[], keys: readonly KeyBalance[]): void {
	for (const [id, quota, usedQuota, version] of users) {
		const user = snap.users.get(id);
		if (!user || user.balanceVersion >= version) continue;
		user.quota = quota;
		user.usedQuota = usedQuota;
		user.balanceVersion = version;
	}
	for (const [id, usedQuota] of keys) {
		const hash = snap.keyHashById.get(id);
		const key = hash ? snap.keysByHash.get(hash) : undefined;
		if (key && key.usedQuota < usedQuota) key.usedQuota = usedQuota;
	}
}
