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
