import * as z from 'zod';
import { m } from '../paraglide/messages';
import { newPassword } from './auth';

/** What the password-change service takes. */
export const passwordChange = z.object({
	currentPassword: z
		.string()
		.min(1, { error: () => m.account_v_current_password() })
		.max(128, { error: () => m.v_password_too_long() }),
	newPassword
});

/** The form adds the repeated new password. */
export const passwordChangeForm = passwordChange
	.extend({ repeatPassword: z.string().min(1, { error: () => m.account_v_repeat_password() }) })
	.refine((v) => v.newPassword === v.repeatPassword, { error: () => m.v_passwords_differ(), path: ['repeatPassword'] });

/** Revoking one session names it. */
export const sessionRevoke = z.object({ sessionId: z.string().regex(/^[0-9a-f]{64}$/, { error: () => m.account_v_session() }) });

/** Redeeming a code (the same rule as the API's redeem input). */
export const redeemForm = z.object({
	code: z.string().trim().min(1, 'Enter a code.').max(200, 'That is not a code.')
});

/** One playground turn: the whole conversation so far, sent to the relay as a chat completion. */
export const playgroundChat = z.object({
	keyId: z.number().int().positive('Pick an API key.'),
	model: z.string().trim().min(1, 'Pick a model.').max(200),
	messages: z
		.array(z.object({ role: z.enum(['system', 'user', 'assistant']), content: z.string().max(100_000) }))
		.min(1, 'Write a message.')
		.max(200, 'The conversation is too long; start a new one.')
});
