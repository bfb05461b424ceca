import { redirect } from '@sveltejs/kit';
import { services } from '$lib/server/app/services';
import { invalidateSession } from '$lib/server/services/sessions';
import { deleteSessionCookie } from '$lib/server/http/session-cookie';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = () => redirect(303, '/');

export const actions: Actions = {
	default: async ({ locals, cookies, url }) => {
		if (locals.session) await invalidateSession(services().db, locals.session.id);
		deleteSessionCookie(cookies, url);
		redirect(303, '/login');
	}
};
