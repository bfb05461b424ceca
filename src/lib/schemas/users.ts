import * as z from 'zod';
import { m } from '../paraglide/messages';
import { newPassword, optionalEmail, username } from './auth';
import { groupName } from './common';

export const userRole = z.enum(['user', 'admin', 'root']);

/** A name shown instead of the username; empty for none. */
export const displayName = z
	.string()
	.trim()
	.max(64, { error: () => m.users_v_display_name_max() })
	.default('');

export const userCreate = z.object({
	username,
	displayName,
	email: optionalEmail,
	password: newPassword,
	role: userRole.default('user'),
	group: groupName.default('default'),
	/** Starting balance in quota units (500,000 = 1 USD). */
	quota: z
		.number()
		.int({ error: () => m.users_v_quota_whole() })
		.min(0, { error: () => m.users_v_quota_negative() })
		.max(1e15)
		.default(0)
});

export const userUpdate = z.object({
	email: optionalEmail.optional(),
	role: userRole.optional(),
	group: groupName.optional(),
	enabled: z.boolean().optional()
});

export const userSearch = z.object({
	query: z.string().trim().max(100).default('')
});

/** Enable or disable several users at once (the console's bulk action). */
export const usersStatusChange = z.object({
	ids: z
		.array(z.number().int().positive())
		.min(1, { error: () => m.users_v_bulk_none() })
		.max(200, { error: () => m.users_v_bulk_too_many() }),
	enabled: z.boolean()
});

export type UserCreate = z.input<typeof userCreate>;
export type UserUpdate = z.input<typeof userUpdate>;
