import * as z from 'zod';
import { m } from '../paraglide/messages';
import { modelName, quotaAmount } from './common';

export const apiKeyFields = z.object({
	name: z
		.string()
		.trim()
		.min(1, { error: () => m.keys_v_name_empty() })
		.max(100, { error: () => m.keys_v_name_long() }),
	/** Spending cap in quota units; null = limited by the balance only. */
	quotaLimit: quotaAmount.nullable().default(null),
	expiresAt: z.coerce.date().nullable().default(null),
	allowedModels: z.array(modelName).max(2000).default([]),
	/** IPs and CIDR ranges; checked one by one by the service. */
	allowedIps: z.array(z.string().trim().min(1).max(64)).max(1000).default([]),
	rpmLimit: z.number().int().min(1).max(1_000_000).nullable().default(null),
	tpmLimit: z.number().int().min(1).max(1_000_000_000).nullable().default(null)
});

export const apiKeyCreate = apiKeyFields.extend({
	/** Admins may create keys for another user; defaults to the caller. */
	userId: z.number().int().positive().optional()
});
export const apiKeyUpdate = apiKeyFields.partial().extend({ enabled: z.boolean().optional() });

export type ApiKeyCreate = z.input<typeof apiKeyCreate>;
export type ApiKeyUpdate = z.input<typeof apiKeyUpdate>;
