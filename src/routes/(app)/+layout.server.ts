import { requireUser } from '$lib/server/auth/guards';
import { THEME_COOKIE, themeOf } from '$lib/theme';
import type { LayoutServerLoad } from './$types';

export const load: LayoutServerLoad = async (event) => {
	return { user: requireUser(event), theme: themeOf(event.cookies.get(THEME_COOKIE)) };
};
