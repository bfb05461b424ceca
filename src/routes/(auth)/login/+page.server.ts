import { fail, redirect } from '@sveltejs/kit';
import { message, superValidate } from 'sveltekit-superforms';
import { zod4 } from 'sveltekit-superforms/adapters';
import { services } from '$lib/server/app/services';
import { safeNext } from '$lib/server/auth/guards';
import { generateSessionToken } from '$lib/server/auth/session';
import { signIn } from '$lib/server/services/accounts';
import { registrationState } from '$lib/server/services/registration';
import { createSession } from '$lib/server/services/sessions';
import { setSessionCookie } from '$lib/server/http/session-cookie';
import { reconcileLocaleAtSignIn } from '$lib/server/i18n/preference';
import { loginSchema } from '$lib/schemas/auth';
import { m } from '$lib/paraglide/messages';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = async ({ locals, url }) => {
	if (locals.user) redirect(303, safeNext(url.searchParams.get('next')));
	return {
		form: await superValidate(zod4(loginSchema)),
		registration: await registrationState(services().db)
	};
};

export const actions: Actions = {
	default: async ({ request, locals, cookies, url }) => {
		const form = await superValidate(request, zod4(loginSchema));
		const { password } = form.data;
		form.data.password = ''; // never echo a password back into the page
		if (!form.valid) return fail(400, { form });

		const { db, loginLimiter } = services();
		const result = await signIn(db, loginLimiter, { username: form.data.username, password, ip: locals.clientIp });
		if (!result.ok) {
			if (result.reason === 'rate_limited') {
				const minutes = Math.max(1, Math.ceil(result.retryAfterMs / 60_000));
				return message(form, m.auth_rate_limited({ minutes }), { status: 429 });
			}
			if (result.reason === 'disabled') {
				return message(form, m.auth_account_disabled(), { status: 403 });
			}
			return message(form, m.auth_invalid_credentials(), { status: 400 });
		}

		const token = generateSessionToken();
		const session = await createSession(db, token, result.userId, {
			ip: locals.clientIp,
			userAgent: request.headers.get('user-agent')
		});
		setSessionCookie(cookies, token, session.expiresAt, url);
		await reconcileLocaleAtSignIn(db, cookies, url, { id: result.userId, locale: result.locale });
		redirect(303, safeNext(url.searchParams.get('next')));
	}
};
