import { fail, redirect } from '@sveltejs/kit';
import { message, setError, superValidate } from 'sveltekit-superforms';
import { zod4 } from 'sveltekit-superforms/adapters';
import { services } from '$lib/server/app/services';
import { getOption } from '$lib/server/services/options-store';
import { generateSessionToken } from '$lib/server/auth/session';
import { createAccount } from '$lib/server/services/accounts';
import { registrationState } from '$lib/server/services/registration';
import { createSession } from '$lib/server/services/sessions';
import { setSessionCookie } from '$lib/server/http/session-cookie';
import { reconcileLocaleAtSignIn } from '$lib/server/i18n/preference';
import { registerSchema } from '$lib/schemas/auth';
import { m } from '$lib/paraglide/messages';
import type { Actions, PageServerLoad } from './$types';

const CLOSED = {
	closed: m.auth_registration_closed,
	'not-set-up': m.auth_registration_not_set_up
} as const;

export const load: PageServerLoad = async ({ locals }) => {
	if (locals.user) redirect(303, '/');
	return { form: await superValidate(zod4(registerSchema)), registration: await registrationState(services().db) };
};

export const actions: Actions = {
	default: async ({ request, locals, cookies, url }) => {
		const form = await superValidate(request, zod4(registerSchema));
		const { password } = form.data;
		form.data.password = '';
		form.data.confirm = '';
		const { db } = services();
		const state = await registrationState(db);
		if (state !== 'open') return message(form, CLOSED[state](), { status: 403 });
		if (!form.valid) return fail(400, { form });

		const initialQuota = await getOption(db, 'billing.signup_quota');
		const group = await getOption(db, 'accounts.signup_group');
		const created = await createAccount(db, { username: form.data.username, email: form.data.email, password, initialQuota, group });
		if (!created.ok) return setError(form, created.field, created.message, { status: 409 });

		const token = generateSessionToken();
		const session = await createSession(db, token, created.userId, {
			ip: locals.clientIp,
			userAgent: request.headers.get('user-agent')
		});
		setSessionCookie(cookies, token, session.expiresAt, url);
		await reconcileLocaleAtSignIn(db, cookies, url, { id: created.userId, locale: null });
		redirect(303, '/');
	}
};
