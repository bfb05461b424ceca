import * as z from 'zod';
import { m } from '../paraglide/messages';

// Shared by the forms (client and server) and the account services: one set of rules.

export const username = z
	.string()
	.trim()
	.min(3, { error: () => m.v_username_min() })
	.max(32, { error: () => m.v_username_max() })
	.regex(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/, { error: () => m.v_username_chars() });

export const newPassword = z
	.string()
	.min(8, { error: () => m.v_password_min() })
	.max(128, { error: () => m.v_password_max() });

export const optionalEmail = z
	.string()
	.trim()
	.max(254, { error: () => m.v_email_too_long() })
	.refine((v) => v === '' || z.email().safeParse(v).success, { error: () => m.v_email_invalid() })
	.default('');

export const loginSchema = z.object({
	username: z.string().trim().min(1, { error: () => m.v_enter_username() }).max(64, { error: () => m.v_username_too_long() }),
	password: z.string().min(1, { error: () => m.v_enter_password() }).max(128, { error: () => m.v_password_too_long() })
});

export const registerSchema = z
	.object({
		username,
		email: optionalEmail,
		password: newPassword,
		confirm: z.string()
	})
	.refine((v) => v.password === v.confirm, { error: () => m.v_passwords_differ(), path: ['confirm'] });

export const setupSchema = z
	.object({
		token: z.string().min(1),
		username: username.default('root'),
		email: optionalEmail,
		password: newPassword,
		confirm: z.string()
	})
	.refine((v) => v.password === v.confirm, { error: () => m.v_passwords_differ(), path: ['confirm'] });

export type LoginInput = z.infer<typeof loginSchema>;
export type RegisterInput = z.infer<typeof registerSchema>;
export type SetupInput = z.infer<typeof setupSchema>;
