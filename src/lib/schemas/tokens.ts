import * as z from 'zod';

export const managementTokenCreate = z.object({
	name: z.string().trim().min(1, 'Give the token a name.').max(100, 'Names are at most 100 characters.'),
	scope: z.enum(['admin', 'read'], { error: 'The scope is "admin" or "read".' }),
	expiresAt: z.coerce.date().nullable().default(null)
});

export type ManagementTokenCreate = z.input<typeof managementTokenCreate>;
