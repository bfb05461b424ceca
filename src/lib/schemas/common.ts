import * as z from 'zod';

/** A public model name: what clients send as `model`. */
export const modelName = z
	.string()
	.trim()
	.min(1, 'Model names cannot be empty.')
	.max(200, 'Model names are at most 200 characters.')
	.regex(/^[^\s]+$/, 'Model names cannot contain spaces.');

export const groupName = z
	.string()
	.trim()
	.min(1, 'Group names cannot be empty.')
	.max(64, 'Group names are at most 64 characters.')
	.regex(/^[A-Za-z0-9_.-]+$/, 'Use letters, digits, dots, dashes and underscores.');

/** Quota units (500,000 = 1 USD), as a non-negative safe integer. */
export const quotaAmount = z.number().int('Use whole quota units.').min(0).max(Number.MAX_SAFE_INTEGER);

export const pageQuery = z.object({
	page: z.coerce.number().int().min(1).default(1),
	perPage: z.coerce.number().int().min(1).max(200).default(50)
});

export type PageQuery = z.infer<typeof pageQuery>;

export interface Page<T> {
	items: T[];
	total: number;
	page: number;
	perPage: number;
}
