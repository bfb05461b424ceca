import { desc, sql } from 'drizzle-orm';
import type { Page, PageQuery } from '../../schemas/common';
import { ledgerDeadLetters, type LedgerDeadLetter } from '../db/schema';
import { requireReader, type Actor } from './actor';
import type { ServiceContext } from './context';

/**
 * Settled calls the database refused to record, newest first: read-only, for an administrator
 * to see what was set aside and why (the ledger alone writes them; they charged nothing).
 */
export async function listDeadLetters(ctx: ServiceContext, actor: Actor, query: PageQuery): Promise<Page<LedgerDeadLetter>> {
	requireReader(actor);
	const [rows, [count]] = await Promise.all([
		ctx.db
			.select()
			.from(ledgerDeadLetters)
			.orderBy(desc(ledgerDeadLetters.quarantinedAt), desc(ledgerDeadLetters.requestId))
			.limit(query.perPage)
			.offset((query.page - 1) * query.perPage),
		ctx.db.select({ n: sql<number>`count(*)::int` }).from(ledgerDeadLetters)
	]);
	return { items: rows, total: count?.n ?? 0, page: query.page, perPage: query.perPage };
}
