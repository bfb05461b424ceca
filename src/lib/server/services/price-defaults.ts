import { count, eq, inArray, sql } from 'drizzle-orm';
import { priceDefaultsApply } from '../../schemas/admin';
import { defaultPriceRows } from '../billing/default-prices';
import type { DbLike } from '../db';
import { modelPrices, options } from '../db/schema';
import type { Logger } from '../observability/logger';
import { SYSTEM, requireAdmin, type Actor } from './actor';
import { writeAudit } from './audit';
import type { ServiceContext } from './context';
import { parseInput } from './errors';
import { notifyChange, withChanges } from './notify';

export interface DefaultsOutcome {
	added: number;
	updated: number;
}

/** Writes the default table: adds models that have no price, and with `overwrite` resets the others. */
async function writeDefaultPrices(tx: DbLike, overwrite: boolean): Promise<DefaultsOutcome> {
	const rows = defaultPriceRows();
	if (!overwrite) {
		const added = await tx.insert(modelPrices).values(rows).onConflictDoNothing().returning({ model: modelPrices.model });
		return { added: added.length, updated: 0 };
	}
	const models = rows.map((r) => r.model);
	const existing = await tx.select({ model: modelPrices.model }).from(modelPrices).where(inArray(modelPrices.model, models)).for('update');
	await tx
		.insert(modelPrices)
		.values(rows)
		.onConflictDoUpdate({
			target: modelPrices.model,
			set: {
				modelRatio: sql`excluded.model_ratio`,
				completionRatio: sql`excluded.completion_ratio`,
				cacheReadRatio: sql`excluded.cache_read_ratio`,
				cacheWriteRatio: sql`excluded.cache_write_ratio`,
				pricePerRequestUsd: sql`excluded.price_per_request_usd`,
				defaultOutputReserve: sql`excluded.default_output_reserve`,
				source: sql`excluded.source`,
				updatedAt: new Date()
			}
		});
	return { added: rows.length - existing.length, updated: existing.length };
}

export async function applyDefaultPrices(ctx: ServiceContext, actor: Actor, input: unknown): Promise<DefaultsOutcome> {
	requireAdmin(actor);
	const { overwrite } = parseInput(priceDefaultsApply, input);
	return withChanges(ctx.db, async (tx) => {
		const outcome = await writeDefaultPrices(tx, overwrite);
		await writeAudit(tx, actor, { action: 'price.defaults', targetType: 'model_price', after: { overwrite, ...outcome } });
		return { result: outcome, changes: [{ kind: 'prices' }] };
	});
}

/** Marks an installation whose price table has been seeded, so deleted defaults stay deleted. */
export const PRICES_SEEDED_OPTION = 'prices.defaults_seeded';

/**
 * Gives a new installation the default price table, once: the marker row is written in the
 * same transaction, so a restart (or a second instance starting beside the first) never seeds
 * again, and prices an admin deleted do not come back. An installation that already has
 * prices when this first runs (one set up before defaults existed) keeps its table as it is.
 */
export async function seedDefaultPricesOnce(db: DbLike, log: Logger): Promise<DefaultsOutcome | null> {
	return db.transaction(async (tx) => {
		await tx.execute(sql`select pg_advisory_xact_lock(hashtext('elygate.prices.seed'))`);
		const [marker] = await tx.select({ key: options.key }).from(options).where(eq(options.key, PRICES_SEEDED_OPTION));
		if (marker) return null;
		const [priced] = await tx.select({ n: count() }).from(modelPrices);
		const outcome = (priced?.n ?? 0) === 0 ? await writeDefaultPrices(tx, false) : { added: 0, updated: 0 };
		await tx.insert(options).values({ key: PRICES_SEEDED_OPTION, value: { at: new Date().toISOString(), added: outcome.added } });
		if (outcome.added > 0) {
			await writeAudit(tx, SYSTEM, { action: 'price.seed', targetType: 'model_price', after: outcome });
			await notifyChange(tx, { kind: 'prices' });
			log.info({ models: outcome.added }, 'seeded the default price table (check unverified rows under Prices)');
		}
		return outcome;
	});
}
