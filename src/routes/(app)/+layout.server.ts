import { requireUser } from '$lib/server/auth/guards';
import { THEME_COOKIE, themeOf } from '$lib/theme';
import { snapshot } from '$lib/server/state/store';
import { viewerZone } from '$lib/server/ui/day-zone';
import type { LayoutServerLoad } from './$types';

export const load: LayoutServerLoad = async (event) => {
	const options = snapshot().options;
	return {
		user: requireUser(event),
		theme: themeOf(event.cookies.get(THEME_COOKIE)),
		siteName: options['site.name'],
		notice: options['site.notice'],
		// Times render in the viewer's zone on the server too, once the browser has named it.
		timeZone: viewerZone(event.cookies) ?? null
	};
};
