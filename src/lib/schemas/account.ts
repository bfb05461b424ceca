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
