import { and, eq, lt, sql } from 'drizzle-orm';
import type { DbLike } from '../db';
import { idempotencyKeys } from '../db/schema';

const TTL_MS = 24 * 60 * 60 * 1000;

/** One Idempotency-Key of one caller on one route. */
export interface IdempotencyClaim {
	scope: string;
	key: string;
}

export interface IdempotencyRecord {
	requestHash: string;
	/** Null while the first request is still running. */
	responseStatus: number | null;
	responseBody: unknown;
}

const byClaim = (claim: IdempotencyClaim) => and(eq(idempotencyKeys.scope, claim.scope), eq(idempotencyKeys.key, claim.key));

/**
 * Claims the key for a request with this body hash (expired claims are dropped first); false
 * when someone already holds it, whose record `findIdempotencyRecord` then gives.
 */
export async function claimIdempotencyKey(db: DbLike, claim: IdempotencyClaim, requestHash: string): Promise<boolean> {
	await db.delete(idempotencyKeys).where(lt(idempotencyKeys.expiresAt, sql`now()`));
	const claimed = await db
		.insert(idempotencyKeys)
		.values({ scope: claim.scope, key: claim.key, requestHash, expiresAt: new Date(Date.now() + TTL_MS) })
		.onConflictDoNothing()
		.returning({ key: idempotencyKeys.key });
	return claimed.length > 0;
}

export async function findIdempotencyRecord(db: DbLike, claim: IdempotencyClaim): Promise<IdempotencyRecord | undefined> {
	const [row] = await db
		.select({ requestHash: idempotencyKeys.requestHash, responseStatus: idempotencyKeys.responseStatus, responseBody: idempotencyKeys.responseBody })
		.from(idempotencyKeys)
		.where(byClaim(claim));
	return row;
}

/** Gives the key up, so a retry with it runs again (the first attempt created nothing). */
export async function releaseIdempotencyKey(db: DbLike, claim: IdempotencyClaim): Promise<void> {
	await db.delete(idempotencyKeys).where(byClaim(claim));
}

/** Stores the answer that replays of this key get back. */
export async function recordIdempotentAnswer(db: DbLike, claim: IdempotencyClaim, status: number, body: unknown): Promise<void> {
	await db.update(idempotencyKeys).set({ responseStatus: status, responseBody: body }).where(byClaim(claim));
}
