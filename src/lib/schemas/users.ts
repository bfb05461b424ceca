import * as z from 'zod';
import { newPassword, optionalEmail, username } from './auth';
import { groupName } from './common';

export const userRole = z.enum(['user', 'admin', 'root']);

export const userCreate = z.object({
	username,
	email: optionalEmail,
	password: newPassword,
	role: userRole.default('user'),
	group: groupName.default('default'),
	/** Starting balance in quota units (500,000 = 1 USD). */
	quota: z.number().int('quota: whole quota units (500,000 = 1 USD).').min(0, 'quota: a starting balance cannot be negative.').max(1e15).default(0)
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

export type UserCreate = z.input<typeof userCreate>;
export type UserUpdate = z.input<typeof userUpdate>;
