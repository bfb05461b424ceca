import { error, fail, redirect } from '@sveltejs/kit';
import { setError, superValidate } from 'sveltekit-superforms';
import { zod4 } from 'sveltekit-superforms/adapters';
import { services } from '$lib/server/app/services';
import { generateSessionToken } from '$lib/server/auth/session';
import { completeSetup, isValidSetupToken, rootExists } from '$lib/server/services/bootstrap';
import { createSession } from '$lib/server/services/sessions';
import { setSessionCookie } from '$lib/server/http/session-cookie';
import { reconcileLocaleAtSignIn } from '$lib/server/i18n/preference';
import { setupSchema } from '$lib/schemas/auth';
import { m } from '$lib/paraglide/messages';
import type { Actions, PageServerLoad } from './$types';

const INVALID = m.auth_setup_invalid;

export const load: PageServerLoad = async ({ url }) => {
	const { db } = services();
	if (await rootExists(db)) redirect(303, '/login');
	const token = url.searchParams.get('token') ?? '';
	if (!token || !(await isValidSetupToken(db, token))) error(403, INVALID());
	return { form: await superValidate({ token, username: 'root' }, zod4(setupSchema), { errors: false }) };
};

export const actions: Actions = {
	default: async ({ request, locals, cookies, url }) => {
		const form = await superValidate(request, zod4(setupSchema));
		const { password } = form.data;
		form.data.password = '';
		form.data.confirm = '';
		if (!form.valid) {
			if (form.errors.token) error(403, INVALID());
			return fail(400, { form });
		}
		const { db } = services();
		const result = await completeSetup(db, { ...form.data, password });
		if (!result.ok) {
			if ('reason' in result) error(403, INVALID());
			return setError(form, result.field, result.message, { status: 409 });
		}
		const token = generateSessionToken();
		const session = await createSession(db, token, result.userId, {
			ip: locals.clientIp,
			userAgent: request.headers.get('user-agent')
		});
		setSessionCookie(cookies, token, session.expiresAt, url);
		await reconcileLocaleAtSignIn(db, cookies, url, { id: result.userId, locale: null });
		redirect(303, '/');
	}
};
