import { eq, ilike, sql } from 'drizzle-orm';
import { m } from '../../paraglide/messages';
import { priceUpsert } from '../../schemas/admin';
import { modelPrices, type ModelPrice } from '../db/schema';
import { requireAdmin, requireReader, type Actor } from './actor';
import { writeAudit } from './audit';
import type { ServiceContext } from './context';
import type { Page, PageQuery } from '../../schemas/common';
import { ServiceError, parseInput, say } from './errors';
import { withChanges } from './notify';

/** The price table by model name; `search` keeps the models whose name contains it. */
export async function listPrices(ctx: ServiceContext, actor: Actor, query: PageQuery & { search?: string }): Promise<Page<ModelPrice>> {
	requireReader(actor);
	const term = query.search?.trim();
	const where = term ? ilike(modelPrices.model, `%${term.replace(/[\\%_]/g, (c) => `\\${c}`)}%`) : undefined;
	const [rows, [count]] = await Promise.all([
		ctx.db
			.select()
			.from(modelPrices)
			.where(where)
			.orderBy(modelPrices.model)
			.limit(query.perPage)
			.offset((query.page - 1) * query.perPage),
		ctx.db.select({ n: sql<number>`count(*)::int` }).from(modelPrices).where(where)
	]);
	return { items: rows, total: count?.n ?? 0, page: query.page, perPage: query.perPage };
}

export async function upsertPrice(ctx: ServiceContext, actor: Actor, input: unknown): Promise<ModelPrice> {
	requireAdmin(actor);
	const data = parseInput(priceUpsert, input);
	return withChanges(ctx.db, async (tx) => {
		const [before] = await tx.select().from(modelPrices).where(eq(modelPrices.model, data.model));
		const { model: _model, ...fields } = data;
		const [row] = await tx
			.insert(modelPrices)
			.values(data)
			.onConflictDoUpdate({ target: modelPrices.model, set: { ...fields, updatedAt: new Date() } })
			.returning();
		if (!row) throw new Error('upsert returned no row');
		await writeAudit(tx, actor, { action: before ? 'price.update' : 'price.create', targetType: 'model_price', targetId: row.model, before, after: row });
		return { result: row, changes: [{ kind: 'prices' }] };
	});
}

export async function deletePrice(ctx: ServiceContext, actor: Actor, model: string): Promise<void> {
	requireAdmin(actor);
	await withChanges(ctx.db, async (tx) => {
		const [before] = await tx.delete(modelPrices).where(eq(modelPrices.model, model)).returning();
		if (!before) throw new ServiceError('not_found', say(m.prices_price_not_found, {}));
		await writeAudit(tx, actor, { action: 'price.delete', targetType: 'model_price', targetId: model, before });
		return { result: undefined, changes: [{ kind: 'prices' }] };
	});
}
