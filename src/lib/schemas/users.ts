import * as z from 'zod';
import { newPassword, optionalEmail, username } from './auth';
import { groupName } from './common';

export const userRole = z.enum(['user', 'admin', 'root']);

export const userCreate = z.object({
	username,
	email: optionalEmail,
	password: newPassword,
	role: userRole.default('user'),
	group: groupName.default('default')
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
