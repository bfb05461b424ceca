import { fail, redirect } from '@sveltejs/kit';
import { message, setError, superValidate } from 'sveltekit-superforms';
import { zod4 } from 'sveltekit-superforms/adapters';
import { passwordChangeForm, sessionRevoke } from '$lib/schemas/account';
import { changePassword, listMySessions, revokeMyOtherSessions, revokeMySession } from '$lib/server/services/account';
import { ServiceError } from '$lib/server/services/errors';
import { pageContext } from '$lib/server/ui/page-context';
import { m } from '$lib/paraglide/messages';
import { formatNumber } from '$lib/i18n/format';
import type { Actions, PageServerLoad } from './$types';

function currentSession(locals: App.Locals): string {
	if (!locals.session) redirect(303, '/login');
	return locals.session.id;
}

export const load: PageServerLoad = async (event) => {
	const { actor, svc } = pageContext(event, 'user');
	const sessions = await listMySessions(svc, actor, event.locals.session?.id ?? null);
	return {
		passwordForm: await superValidate(zod4(passwordChangeForm)),
		// A session's id is the hash of its cookie, not the cookie: it signs nobody in.
		sessions
	};
};

export const actions: Actions = {
	password: async (event) => {
		const { actor, svc } = pageContext(event, 'user');
		const keep = currentSession(event.locals);
		const form = await superValidate(event.request, zod4(passwordChangeForm));
		const { currentPassword, newPassword } = form.data;
		form.data = { currentPassword: '', newPassword: '', repeatPassword: '' }; // never echo passwords
		if (!form.valid) return fail(400, { form });
		try {
			await changePassword(svc, actor, { currentPassword, newPassword }, keep);
		} catch (err) {
			if (err instanceof ServiceError && (err.field === 'currentPassword' || err.field === 'newPassword')) {
				return setError(form, err.field, err.localizedMessage(), { status: 400 });
			}
			throw err;
		}
		return message(form, m.account_password_changed());
	},
	revoke: async (event) => {
		const { actor, svc } = pageContext(event, 'user');
		const current = currentSession(event.locals);
		const form = await superValidate(event.request, zod4(sessionRevoke));
		if (!form.valid) return fail(400, { sessionNotice: m.account_session_unknown() });
		if (form.data.sessionId === current) return fail(400, { sessionNotice: m.account_session_current() });
		try {
			await revokeMySession(svc, actor, form.data.sessionId);
		} catch (err) {
			if (err instanceof ServiceError && err.code === 'not_found') return { sessionNotice: m.account_session_gone() };
			throw err;
		}
		return { sessionNotice: m.account_session_ended() };
	},
	revokeOthers: async (event) => {
		const { actor, svc } = pageContext(event, 'user');
		const ended = await revokeMyOtherSessions(svc, actor, currentSession(event.locals));
		return { sessionNotice: ended === 0 ? m.account_no_other_sessions() : ended === 1 ? m.account_one_other_ended() : m.account_others_ended({ count: formatNumber(ended) }) };
	}
};
