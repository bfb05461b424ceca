import { and, desc, eq, gt, ilike, isNull, or, sql, type SQL } from 'drizzle-orm';
import { QUOTA_PER_USD, quotaToUsd } from '../../money';
import { m } from '../../paraglide/messages';
import { redeemInput, redemptionCreate, type RedemptionListQuery } from '../../schemas/billing';
import type { Page } from '../../schemas/common';
import type { LoginLimiter } from '../auth/login-limiter';
import { generateRedemptionCode, isRedemptionCodeShape, hashRedemptionCode, redemptionCodePrefix } from '../auth/redemption-code-format';
import type { DbLike } from '../db';
import { isUniqueViolation } from '../db/errors';
import { redemptionCodes, users, type RedemptionCode } from '../db/schema';
import { actingUserId, requireAdmin, requireReader, type Actor } from './actor';
import { writeAudit } from './audit';
import { changeBalance } from './balances';
import type { ServiceContext } from './context';
import { RateLimitedError, ServiceError, fieldError, parseInput, say } from './errors';
import { withChanges } from './notify';

export type RedemptionView = Omit<RedemptionCode, 'codeHash'> & {
	amountUsd: number;
	/** Unused, but past its expiry: it can no longer be redeemed. */
	expired: boolean;
	redeemedByUsername: string | null;
};

function view(row: RedemptionCode, redeemedByUsername: string | null, now = Date.now()): RedemptionView {
	const { codeHash: _hash, ...rest } = row;
	const expired = row.status === 'unused' && row.expiresAt !== null && row.expiresAt.getTime() <= now;
	return { ...rest, amountUsd: quotaToUsd(row.quota), expired, redeemedByUsername };
}

export interface CreatedRedemptions {
	/** The plaintext codes: this answer is the only place they ever exist. */
	codes: Array<{ id: number; code: string; prefix: string }>;
	redemption: { name: string; amountUsd: number; quota: number; count: number; expiresAt: Date | null };
}

/** Mints `count` codes worth the same amount; only their hashes are stored. */
export async function createRedemptionCodes(ctx: ServiceContext, actor: Actor, input: unknown): Promise<CreatedRedemptions> {
	requireAdmin(actor);
	const data = parseInput(redemptionCreate, input);
	const expiresAt = data.expiresAt === null ? null : new Date(data.expiresAt);
	if (expiresAt && expiresAt.getTime() <= Date.now()) {
		throw fieldError('invalid_request', 'expiresAt', say(m.redemptions_expiry_future, {}));
	}
	const quota = Math.round(data.amountUsd * QUOTA_PER_USD);
	const byHash = new Map<string, string>();
	while (byHash.size < data.count) {
		const code = generateRedemptionCode();
		byHash.set(hashRedemptionCode(code), code);
	}
	const createdBy = actingUserId(actor);
	return ctx.db.transaction(async (tx) => {
		const rows = await tx
			.insert(redemptionCodes)
			.values([...byHash].map(([codeHash, code]) => ({ name: data.name, codeHash, prefix: redemptionCodePrefix(code), quota, expiresAt, createdBy })))
			.returning({ id: redemptionCodes.id, codeHash: redemptionCodes.codeHash, prefix: redemptionCodes.prefix });
		const codes = rows.map((r) => ({ id: r.id, code: byHash.get(r.codeHash) ?? '', prefix: r.prefix })).sort((a, b) => a.id - b.id);
		const redemption = { name: data.name, amountUsd: quotaToUsd(quota), quota, count: codes.length, expiresAt };
		// The audit row names the codes by id and prefix only: plaintext codes are bearer money.
		await writeAudit(tx, actor, {
			action: 'redemption.create',
			targetType: 'redemption',
			targetId: codes[0]?.id,
			after: { ...redemption, ids: codes.map((c) => c.id), prefixes: codes.map((c) => c.prefix) }
		});
		return { codes, redemption };
	});
}

type ListFilters = Pick<RedemptionListQuery, 'status' | 'name' | 'redeemedBy'>;

function filtersOf(query: ListFilters): SQL | undefined {
	const name = query.name?.trim();
	return and(
		query.status ? eq(redemptionCodes.status, query.status) : undefined,
		name ? ilike(redemptionCodes.name, `%${name.replace(/[\\%_]/g, (c) => `\\${c}`)}%`) : undefined,
		query.redeemedBy ? eq(redemptionCodes.redeemedBy, query.redeemedBy) : undefined
	);
}

function selectWithRedeemer(db: DbLike) {
	return db
		.select({ code: redemptionCodes, redeemedByUsername: users.username })
		.from(redemptionCodes)
		.leftJoin(users, eq(users.id, redemptionCodes.redeemedBy));
}

export async function listRedemptionCodes(
	ctx: ServiceContext,
	actor: Actor,
	query: RedemptionListQuery
): Promise<Page<RedemptionView>> {
	requireReader(actor);
	const where = filtersOf(query);
	const [rows, [count]] = await Promise.all([
		selectWithRedeemer(ctx.db)
			.where(where)
			.orderBy(desc(redemptionCodes.id))
			.limit(query.perPage)
			.offset((query.page - 1) * query.perPage),
		ctx.db.select({ n: sql<number>`count(*)::int` }).from(redemptionCodes).where(where)
	]);
	const now = Date.now();
	return { items: rows.map((r) => view(r.code, r.redeemedByUsername, now)), total: count?.n ?? 0, page: query.page, perPage: query.perPage };
}

/** Every code matching the filters, newest first, for an export (no paging). */
export async function exportRedemptionCodes(ctx: ServiceContext, actor: Actor, query: ListFilters): Promise<RedemptionView[]> {
	requireReader(actor);
	const rows = await selectWithRedeemer(ctx.db).where(filtersOf(query)).orderBy(desc(redemptionCodes.id));
	const now = Date.now();
	return rows.map((r) => view(r.code, r.redeemedByUsername, now));
}

/** An unused code stops being redeemable; a used one cannot be taken back this way. */
export async function disableRedemptionCode(ctx: ServiceContext, actor: Actor, id: number): Promise<RedemptionView> {
	requireAdmin(actor);
	return ctx.db.transaction(async (tx) => {
		// The row lock orders this against a redemption of the same code: one of them wins.
		const [before] = await tx.select().from(redemptionCodes).where(eq(redemptionCodes.id, id)).for('update');
		if (!before) throw new ServiceError('not_found', say(m.redemptions_not_found, {}));
		if (before.status === 'used') throw new ServiceError('conflict', say(m.redemptions_already_used, {}));
		if (before.status === 'disabled') return view(before, null);
		const [row] = await tx
			.update(redemptionCodes)
			.set({ status: 'disabled', updatedAt: new Date() })
			.where(eq(redemptionCodes.id, id))
			.returning();
		if (!row) throw new ServiceError('not_found', say(m.redemptions_not_found, {}));
		await writeAudit(tx, actor, { action: 'redemption.disable', targetType: 'redemption', targetId: id, before: view(before, null), after: view(row, null) });
		return view(row, null);
	});
}

export interface RedeemGuard {
	limiter: LoginLimiter;
	/** The caller's address: failures count per IP as well as per user. */
	ip: string;
}

export interface Redeemed {
	credited: number;
	creditedUsd: number;
	/** The balance right after the credit. */
	balance: number;
}

/**
 * Credits a code's quota to the caller, once. Failed attempts are counted per user and per IP
 * and refused past the limit, so codes cannot be guessed; successes are not counted.
 */
export async function redeemCode(ctx: ServiceContext, actor: Actor, input: unknown, guard: RedeemGuard): Promise<Redeemed> {
	const userId = actingUserId(actor);
	if (userId === null) throw new ServiceError('forbidden', say(m.topup_err_redeem_token, {}));
	// Admins mint codes; were they to redeem them, they would be paying themselves. Balances of
	// administrators change only by root's hand, as their roles do.
	if (actor.kind === 'user' && actor.role === 'admin') {
		throw new ServiceError('forbidden', say(m.topup_err_admin_redeem, {}));
	}
	const { code } = parseInput(redeemInput, input);
	// Counted before the code is looked up, so concurrent guesses cannot all get through.
	const decision = guard.limiter.begin(guard.ip, String(userId));
	if (!decision.allowed) throw new RateLimitedError(say(m.topup_err_redeem_limited, {}), decision.retryAfterMs);
	try {
		if (!isRedemptionCodeShape(code)) throw invalidCode();
		const redeemed = await claimAndCredit(ctx.db, userId, hashRedemptionCode(code));
		// A real code redeemed forgives no earlier guesses.
		decision.ticket.release();
		return redeemed;
	} catch (err) {
		if (!(err instanceof ServiceError && err.code.startsWith('code_'))) decision.ticket.release();
		throw err;
	}
}

const invalidCode = () => new ServiceError('code_invalid', say(m.topup_err_code_invalid, {}), 'code');

async function claimAndCredit(db: DbLike, userId: number, codeHash: string): Promise<Redeemed> {
	try {
		return await withChanges(db, async (tx) => {
			// The conditional UPDATE is the lock: of concurrent attempts, exactly one gets the row back.
			const [claimed] = await tx
				.update(redemptionCodes)
				.set({ status: 'used', redeemedBy: userId, redeemedAt: sql`now()`, updatedAt: sql`now()` })
				.where(
					and(
						eq(redemptionCodes.codeHash, codeHash),
						eq(redemptionCodes.status, 'unused'),
						or(isNull(redemptionCodes.expiresAt), gt(redemptionCodes.expiresAt, sql`now()`))
					)
				)
				.returning({ id: redemptionCodes.id, quota: redemptionCodes.quota });
			if (!claimed) throw await whyNotRedeemable(tx, codeHash);
			const after = await changeBalance(tx, { userId, delta: claimed.quota, reason: 'redeem', reference: String(claimed.id), actorId: userId });
			return {
				result: { credited: claimed.quota, creditedUsd: quotaToUsd(claimed.quota), balance: after.quota },
				changes: [{ kind: 'user', id: userId }]
			};
		});
	} catch (err) {
		// The unique (reason, reference) index: a second credit for the same code cannot commit.
		if (isUniqueViolation(err, 'balance_changes_credit_once')) throw usedCode();
		throw err;
	}
}

const usedCode = () => new ServiceError('code_used', say(m.topup_err_code_used, {}), 'code');

async function whyNotRedeemable(db: DbLike, codeHash: string): Promise<ServiceError> {
	const [row] = await db
		.select({ status: redemptionCodes.status })
		.from(redemptionCodes)
		.where(eq(redemptionCodes.codeHash, codeHash));
	if (!row) return invalidCode();
	if (row.status === 'used') return usedCode();
	if (row.status === 'disabled') return new ServiceError('code_disabled', say(m.topup_err_code_disabled, {}), 'code');
	return new ServiceError('code_expired', say(m.topup_err_code_expired, {}), 'code');
}
