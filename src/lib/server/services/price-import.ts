import { sql } from 'drizzle-orm';
import { NewApiImportError, parseNewApiOptions, type NewApiImport } from '../billing/newapi-import';
import type { DbLike } from '../db';
import { inChunks } from '../db/chunks';
import { groups, modelPrices } from '../db/schema';
import { requireAdmin, type Actor } from './actor';
import { writeAudit } from './audit';
import type { ServiceContext } from './context';
import { ServiceError } from './errors';
import { withChanges } from './notify';

export interface ImportOutcome {
	prices: number;
	groups: number;
}

// Price and group rows are narrow: a thousand a statement.
const CHUNK = 1000;
const chunks = <T>(items: readonly T[]) => inChunks(items, CHUNK);

function parse(input: unknown): NewApiImport {
	try {
		return parseNewApiOptions(input);
	} catch (err) {
		if (err instanceof NewApiImportError) throw new ServiceError('invalid_request', err.message, err.field || undefined, err.detail);
		throw err;
	}
}

/** Writes imported prices and group ratios, replacing what New-API prices (also used by the database import). */
export async function writePriceImport(tx: DbLike, data: NewApiImport, source: string): Promise<void> {
	for (const part of chunks(data.prices)) {
		await tx
			.insert(modelPrices)
			.values(part.map((p) => ({ ...p, source })))
			.onConflictDoUpdate({
				target: modelPrices.model,
				// Everything New-API prices is replaced; the output reserve is ours and stays.
				set: {
					modelRatio: sql`excluded.model_ratio`,
					completionRatio: sql`excluded.completion_ratio`,
					cacheReadRatio: sql`excluded.cache_read_ratio`,
					cacheWriteRatio: sql`excluded.cache_write_ratio`,
					pricePerRequestUsd: sql`excluded.price_per_request_usd`,
					source: sql`excluded.source`,
					updatedAt: new Date()
				}
			});
	}
	for (const part of chunks(data.groups)) {
		await tx
			.insert(groups)
			.values(part)
			.onConflictDoUpdate({ target: groups.name, set: { ratio: sql`excluded.ratio`, updatedAt: new Date() } });
	}
}

/**
 * Imports New-API's price options in one transaction: every entry is checked before anything is
 * written, so a file with one bad entry changes nothing. Imported models and groups are
 * overwritten; models and groups the file does not mention are left alone.
 */
export async function importNewApiPrices(ctx: ServiceContext, actor: Actor, input: unknown): Promise<ImportOutcome> {
	requireAdmin(actor);
	const data = parse(input);
	const source = `new-api import (${new Date().toISOString().slice(0, 10)})`;
	return withChanges(ctx.db, async (tx) => {
		await writePriceImport(tx, data, source);
		const outcome = { prices: data.prices.length, groups: data.groups.length };
		await writeAudit(tx, actor, {
			action: 'price.import',
			targetType: 'model_price',
			after: { ...outcome, models: data.prices.map((p) => p.model), groupNames: data.groups.map((g) => g.name) }
		});
		return { result: outcome, changes: [{ kind: 'prices' }, { kind: 'groups' }] };
	});
}
