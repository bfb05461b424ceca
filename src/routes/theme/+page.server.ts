import { redirect } from '@sveltejs/kit';
import { THEME_COOKIE, themeOf } from '$lib/theme';
import { safeNext } from '$lib/server/auth/guards';
import type { Actions } from './$types';

export const actions: Actions = {
	default: async ({ request, cookies, url }) => {
		const form = await request.formData();
		const theme = themeOf(String(form.get('theme') ?? ''));
		cookies.set(THEME_COOKIE, theme, { path: '/', httpOnly: false, sameSite: 'lax', secure: url.protocol === 'https:', maxAge: 60 * 60 * 24 * 365 });
		redirect(303, safeNext(String(form.get('next') ?? '/')));
	}
};
