import { and, desc, eq, isNull, lt, sql } from 'drizzle-orm';
import { formatUsd, quotaToUsd } from '../../money';
import { m } from '../../paraglide/messages';
import { balanceAdjustment, balanceHistoryQuery } from '../../schemas/billing';
import type { DbLike } from '../db';
import { balanceChanges, users, type BalanceChange } from '../db/schema';
import { actingUserId, requireAdmin, requireReader, requireRoot, type Actor } from './actor';
import { writeAudit } from './audit';
import type { ServiceContext } from './context';
import { ServiceError, fieldError, notFound, parseInput, say } from './errors';
import { withChanges } from './notify';

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

export interface AdjustedBalance {
	userId: number;
	delta: number;
	/** The balance right after the change. */
	balance: number;
	changeId: number;
}

/**
 * An administrator credits or debits a balance by hand, with a reason the user sees in their
 * history. Balances of administrators and root are root's business, as their roles are.
 */
export async function adjustBalance(ctx: ServiceContext, actor: Actor, userId: number, input: unknown): Promise<AdjustedBalance> {
	requireAdmin(actor);
	const { delta, reason } = parseInput(balanceAdjustment, input);
	return withChanges(ctx.db, async (tx) => {
		const [target] = await tx.select({ role: users.role }).from(users).where(and(eq(users.id, userId), isNull(users.deletedAt)));
		if (!target) throw notFound('User');
		if (target.role !== 'user') requireRoot(actor);
		const after = await changeBalance(tx, { userId, delta, reason: 'admin', actorId: actingUserId(actor), note: reason });
		const before = after.quota - delta;
		// Checked on the value the UPDATE returned, so a concurrent change cannot slip past it; throwing rolls it back.
		if (delta < 0 && after.quota < 0) {
			throw fieldError('invalid_request', 'delta', say(m.users_balance_below_zero, { balance: formatUsd(before), amount: formatUsd(-delta) }));
		}
		await writeAudit(tx, actor, {
			action: 'user.balance',
			targetType: 'user',
			targetId: userId,
			before: { quota: before },
			after: { quota: after.quota, delta, reason, changeId: after.changeId }
		});
		return { result: { userId, delta, balance: after.quota, changeId: after.changeId }, changes: [{ kind: 'user', id: userId }] };
	});
}

export interface BalanceHistoryItem {
	id: number;
	delta: number;
	deltaUsd: number;
	balanceAfter: number | null;
	reason: BalanceChangeReason;
	reference: string | null;
	note: string | null;
	createdAt: Date;
}

export interface BalanceHistory {
	items: BalanceHistoryItem[];
	/** Pass as `before` for the next (older) page; null on the last page. */
	next: number | null;
}

/** A user's balance changes, newest first; a user may read their own, readers anyone's. */
export async function balanceHistory(ctx: ServiceContext, actor: Actor, userId: number, input: unknown): Promise<BalanceHistory> {
	if (actingUserId(actor) !== userId) requireReader(actor);
	const query = parseInput(balanceHistoryQuery, input);
	const [owner] = await ctx.db.select({ id: users.id }).from(users).where(and(eq(users.id, userId), isNull(users.deletedAt)));
	if (!owner) throw notFound('User');
	// Keyset by id: pages stay stable while new changes arrive at the top.
	const rows = await ctx.db
		.select()
		.from(balanceChanges)
		.where(and(eq(balanceChanges.userId, userId), query.before === undefined ? undefined : lt(balanceChanges.id, query.before)))
		.orderBy(desc(balanceChanges.id))
		.limit(query.limit + 1);
	const page = rows.slice(0, query.limit);
	return {
		items: page.map((r) => ({
			id: r.id,
			delta: r.delta,
			deltaUsd: quotaToUsd(r.delta),
			balanceAfter: r.balanceAfter,
			reason: r.reason,
			reference: r.reference,
			note: r.note,
			createdAt: r.createdAt
		})),
		next: rows.length > query.limit ? (page.at(-1)?.id ?? null) : null
	};
}

/** The caller's own history; management tokens have no balance. */
export async function myBalanceHistory(ctx: ServiceContext, actor: Actor, input: unknown): Promise<BalanceHistory> {
	const userId = actingUserId(actor);
	if (userId === null) throw new ServiceError('forbidden', 'A management token has no balance; use /api/users/{id}/balance-history.');
	return balanceHistory(ctx, actor, userId, input);
}
