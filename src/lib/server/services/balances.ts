import { eq, sql } from 'drizzle-orm';
import type { DbLike } from '../db';
import { balanceChanges, users, type BalanceChange } from '../db/schema';
import { notFound } from './errors';

export type BalanceChangeReason = BalanceChange['reason'];

export interface BalanceChangeInput {
	userId: number;
	/** Signed, in quota units. */
	delta: number;
	reason: BalanceChangeReason;
	/** What caused it (a redemption code id, an order id...): with reason redeem or topup, unique. */
	reference?: string | null;
	actorId?: number | null;
	note?: string | null;
}

export interface BalanceAfter {
	changeId: number;
	quota: number;
	balanceVersion: number;
}

/**
 * The one way a balance changes outside the ledger: the user's quota moves by `delta` and a
 * `balance_changes` row records it, in the caller's transaction (so both happen or neither).
 * The balance version moves too, which is how every instance tells this balance from an older
 * one. Callers announce the change ({ kind: 'user' }) through `withChanges`.
 */
export async function changeBalance(tx: DbLike, input: BalanceChangeInput): Promise<BalanceAfter> {
	if (!Number.isSafeInteger(input.delta)) throw new Error(`balance delta must be a safe integer, got ${input.delta}`);
	const [user] = await tx
		.update(users)
		.set({ quota: sql`${users.quota} + ${input.delta}`, balanceVersion: sql`${users.balanceVersion} + 1`, updatedAt: new Date() })
		.where(eq(users.id, input.userId))
		.returning({ quota: users.quota, balanceVersion: users.balanceVersion });
	if (!user) throw notFound('User');
	const [change] = await tx
		.insert(balanceChanges)
		.values({
			userId: input.userId,
			delta: input.delta,
			balanceAfter: user.quota,
			reason: input.reason,
			reference: input.reference ?? null,
			actorId: input.actorId ?? null,
			note: input.note ?? null
		})
		.returning({ id: balanceChanges.id });
	if (!change) throw new Error('insert returned no row');
	return { changeId: change.id, quota: user.quota, balanceVersion: user.balanceVersion };
}
