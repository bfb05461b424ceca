import * as z from 'zod';
import { m } from '../paraglide/messages';

export const managementTokenCreate = z.object({
	name: z
		.string()
		.trim()
		.min(1, { error: () => m.tokens_v_name_empty() })
		.max(100, { error: () => m.tokens_v_name_max() }),
	scope: z.enum(['admin', 'read'], { error: () => m.tokens_v_scope() }),
	expiresAt: z.coerce.date().nullable().default(null)
});

export type ManagementTokenCreate = z.input<typeof managementTokenCreate>;
