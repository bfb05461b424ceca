import * as z from 'zod';
import { groupName, modelName } from './common';

export const groupUpsert = z.object({
	name: groupName,
	ratio: z.number().min(0, 'Ratios cannot be negative.').max(1000),
	description: z.string().trim().max(500).default('')
});

export const priceUpsert = z.object({
	model: modelName,
	modelRatio: z.number().min(0).max(100_000),
	completionRatio: z.number().min(0).max(1000).default(1),
	cacheReadRatio: z.number().min(0).max(1000).nullable().default(null),
	cacheWriteRatio: z.number().min(0).max(1000).nullable().default(null),
	pricePerRequestUsd: z.number().min(0).max(10_000).nullable().default(null),
	defaultOutputReserve: z.number().int().min(1).max(1_000_000).default(4096),
	source: z.string().trim().max(500).nullable().default(null)
});

export type GroupUpsert = z.input<typeof groupUpsert>;
export type PriceUpsert = z.input<typeof priceUpsert>;

export const priceDefaultsApply = z.object({
	/** false: add only models that have no price yet; true: also reset those rows to the default table. */
	overwrite: z.boolean().default(false)
});

export type PriceDefaultsApply = z.input<typeof priceDefaultsApply>;

// Documents the import body; the service reads it with the New-API parser, which names the
// exact entry at fault (a zod union would only say "invalid input" for the whole option).
const newApiOption = z.union([z.string(), z.record(z.string(), z.number())]);

export const newApiPriceImport = z
	.object({
		ModelRatio: newApiOption.optional(),
		CompletionRatio: newApiOption.optional(),
		CacheRatio: newApiOption.optional(),
		CreateCacheRatio: newApiOption.optional(),
		ModelPrice: newApiOption.optional(),
		GroupRatio: newApiOption.optional()
	})
	.meta({
		id: 'NewApiPriceImport',
		description:
			"New-API's price options: each an object of model (or group) name to number, or a JSON string of one, as New-API stores them. Ratio 1 = USD 2 per million tokens; ModelPrice is USD per request."
	});
