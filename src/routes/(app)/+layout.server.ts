import { requireUser } from '$lib/server/auth/guards';
import { THEME_COOKIE, themeOf } from '$lib/theme';
import { snapshot } from '$lib/server/state/store';
import type { LayoutServerLoad } from './$types';

export const load: LayoutServerLoad = async (event) => {
	const options = snapshot().options;
	return { user: requireUser(event), theme: themeOf(event.cookies.get(THEME_COOKIE)), siteName: options['site.name'], notice: options['site.notice'] };
};
