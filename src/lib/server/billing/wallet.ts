import type { KeyState, UserState } from '../state/snapshot';

/** What a settled call took from a balance, as the ledger reports it once written. */
export interface Charge {
	userId: number;
	apiKeyId: number | null;
	cost: number;
}

/**
 * Money this instance holds against balances that the snapshot does not show yet: live
 * reservations plus costs settled but not yet flushed. So
 *   available(user) = snapshot quota − held(user)
 *   available(key)  = key limit − key's snapshot spend − held(key)
 * A call reserves its worst case before it starts; settling swaps the reservation for the
 * actual cost; the ledger's flush moves that cost into the snapshot (through the balances it
 * RETURNs) in the same synchronous step that releases it here, so nothing is counted twice
 * or forgotten in between. Everything is synchronous: two calls can never both see the same
 * last dollar.
 */
export class Wallet {
	readonly #userHeld = new Map<number, number>();
	readonly #keyHeld = new Map<number, number>();

	heldByUser(userId: number): number {
		return this.#userHeld.get(userId) ?? 0;
	}

	heldByKey(keyId: number): number {
		return this.#keyHeld.get(keyId) ?? 0;
	}

	availableToUser(user: UserState): number {
		return user.quota - this.heldByUser(user.id);
	}

	/** Infinity for a key with no spending limit. */
	availableToKey(key: KeyState): number {
		return key.quotaLimit === null ? Infinity : key.quotaLimit - key.usedQuota - this.heldByKey(key.id);
	}

	/** Holds `amount` against both the user's balance and the key's limit, or refuses (false). */
	reserve(user: UserState, key: KeyState, amount: number): boolean {
		// A free model's call holds nothing and keeps working even for an account below zero.
		if (amount === 0) return true;
		if (this.availableToUser(user) < amount || this.availableToKey(key) < amount) return false;
		add(this.#userHeld, user.id, amount);
		add(this.#keyHeld, key.id, amount);
		return true;
	}

	/** The call ended: its reservation becomes its actual cost, held until the ledger writes it. */
	settle(userId: number, keyId: number | null, reserved: number, cost: number): void {
		const delta = cost - reserved;
		if (delta === 0) return;
		add(this.#userHeld, userId, delta);
		if (keyId !== null) add(this.#keyHeld, keyId, delta);
	}

	/** The ledger wrote these charges (and the snapshot now shows them): stop holding them. */
	flushed(charges: Iterable<Charge>): void {
		for (const c of charges) {
			if (c.cost === 0) continue;
			add(this.#userHeld, c.userId, -c.cost);
			if (c.apiKeyId !== null) add(this.#keyHeld, c.apiKeyId, -c.cost);
		}
	}

	/** Users and keys with money held (for tests and metrics). */
	get holding(): { users: number; keys: number } {
		return { users: this.#userHeld.size, keys: this.#keyHeld.size };
	}
}

function add(map: Map<number, number>, id: number, delta: number): void {
	const next = (map.get(id) ?? 0) + delta;
	if (next === 0) map.delete(id);
	else map.set(id, next);
}
