import * as z from 'zod';

// Shared by the forms (client and server) and the account services: one set of rules.

export const username = z
	.string()
	.trim()
	.min(3, 'Use at least 3 characters.')
	.max(32, 'Use at most 32 characters.')
	.regex(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/, 'Use letters, digits, dots, dashes and underscores, starting with a letter or digit.');

export const newPassword = z
	.string()
	.min(8, 'Use at least 8 characters.')
	.max(128, 'Use at most 128 characters.');

export const optionalEmail = z
	.string()
	.trim()
	.max(254, 'That email address is too long.')
	.refine((v) => v === '' || z.email().safeParse(v).success, 'Enter a valid email address, or leave it empty.')
	.default('');

export const loginSchema = z.object({
	username: z.string().trim().min(1, 'Enter your username.').max(64, 'That username is too long.'),
	password: z.string().min(1, 'Enter your password.').max(128, 'That password is too long.')
});

export const registerSchema = z
	.object({
		username,
		email: optionalEmail,
		password: newPassword,
		confirm: z.string()
	})
	.refine((v) => v.password === v.confirm, { message: 'The passwords do not match.', path: ['confirm'] });

export const setupSchema = z
	.object({
		token: z.string().min(1),
		username: username.default('root'),
		email: optionalEmail,
		password: newPassword,
		confirm: z.string()
	})
	.refine((v) => v.password === v.confirm, { message: 'The passwords do not match.', path: ['confirm'] });

export type LoginInput = z.infer<typeof loginSchema>;
export type RegisterInput = z.infer<typeof registerSchema>;
export type SetupInput = z.infer<typeof setupSchema>;
