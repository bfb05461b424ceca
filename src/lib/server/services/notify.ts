import { sql } from 'drizzle-orm';
import type { DbLike } from '../db';
import { STATE_CHANNEL, publishLocal, type StateChange } from '../state/changes';

/**
 * Tells every instance what changed. Sent inside the writing transaction: PostgreSQL delivers
 * a NOTIFY only when that transaction commits, so nobody reloads uncommitted data.
 */
export async function notifyChange(tx: DbLike, change: StateChange): Promise<void> {
	await tx.execute(sql`select pg_notify(${STATE_CHANNEL}, ${JSON.stringify(change)})`);
}

/** Runs `work` in a transaction that ends with the NOTIFYs, then applies them locally. */
export async function withChanges<T>(
	db: DbLike,
	work: (tx: DbLike) => Promise<{ result: T; changes: StateChange[] }>
): Promise<T> {
	const { result, changes } = await db.transaction(async (tx) => {
		const done = await work(tx);
		for (const change of done.changes) await notifyChange(tx, change);
		return done;
	});
	for (const change of changes) await publishLocal(change);
	return result;
}
