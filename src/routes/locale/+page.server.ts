import { redirect } from '@sveltejs/kit';
import { services } from '$lib/server/app/services';
import { safeNext } from '$lib/server/auth/guards';
import { isLocale } from '$lib/i18n/locales';
import { saveUserLocale, setLocaleCookie } from '$lib/server/i18n/preference';
import type { Actions } from './$types';

/** The language switch: a plain form post, so it works without JavaScript (docs/i18n.md). */
export const actions: Actions = {
	default: async ({ request, cookies, url, locals }) => {
		const form = await request.formData();
		const locale = form.get('locale');
		const next = safeNext(String(form.get('next') ?? '/'));
		if (!isLocale(locale)) redirect(303, next); // an unknown language changes nothing
		setLocaleCookie(cookies, locale, url);
		if (locals.user) await saveUserLocale(services().db, locals.user.id, locale);
		redirect(303, next);
	}
};
