import * as z from 'zod';
import { formatNumber } from '../i18n/format';
import { m } from '../paraglide/messages';
import { groupName, modelName } from './common';

export const groupUpsert = z.object({
	name: groupName,
	ratio: z
		.number({ error: () => m.prices_v_ratio_enter() })
		.min(0, { error: () => m.prices_v_ratio_negative() })
		.max(1000, { error: () => m.prices_v_ratio_max({ max: formatNumber(1000) }) }),
	description: z.string().trim().max(500, { error: () => m.prices_v_text_max() }).default('')
});

/** A ratio: a non-negative number up to `max`. */
const ratio = (max: number) =>
	z
		.number({ error: () => m.prices_v_ratio_enter() })
		.min(0, { error: () => m.prices_v_ratio_negative() })
		.max(max, { error: () => m.prices_v_ratio_max({ max: formatNumber(max) }) });

export const priceUpsert = z.object({
	model: modelName,
	modelRatio: ratio(100_000),
	completionRatio: ratio(1000).default(1),
	cacheReadRatio: ratio(1000).nullable().default(null),
	cacheWriteRatio: ratio(1000).nullable().default(null),
	pricePerRequestUsd: z
		.number()
		.min(0, { error: () => m.prices_v_usd_negative() })
		.max(10_000, { error: () => m.prices_v_usd_max({ max: formatNumber(10_000) }) })
		.nullable()
		.default(null),
	defaultOutputReserve: z
		.number({ error: () => m.prices_v_reserve_enter() })
		.int({ error: () => m.prices_v_reserve_whole() })
		.min(1, { error: () => m.prices_v_reserve_range() })
		.max(1_000_000, { error: () => m.prices_v_reserve_range() })
		.default(4096),
	source: z.string().trim().max(500, { error: () => m.prices_v_text_max() }).nullable().default(null)
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
