import * as z from 'zod';
import { m } from '../paraglide/messages';

/** A public model name: what clients send as `model`. */
export const modelName = z
	.string()
	.trim()
	.min(1, { error: () => m.v_model_name_empty() })
	.max(200, { error: () => m.v_model_name_max() })
	.regex(/^[^\s]+$/, { error: () => m.v_model_name_spaces() });

export const groupName = z
	.string()
	.trim()
	.min(1, { error: () => m.v_group_name_empty() })
	.max(64, { error: () => m.v_group_name_max() })
	.regex(/^[A-Za-z0-9_.-]+$/, { error: () => m.v_group_name_chars() });

/** Quota units (500,000 = 1 USD), as a non-negative safe integer. */
export const quotaAmount = z
	.number()
	.int({ error: () => m.keys_v_quota_whole() })
	.min(0)
	.max(Number.MAX_SAFE_INTEGER);

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
