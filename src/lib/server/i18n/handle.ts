import type { Handle } from '@sveltejs/kit';
import { defineCustomServerStrategy } from '../../paraglide/runtime';
import { paraglideMiddleware } from '../../paraglide/server';
import { LOCALE_COOKIE, isLocale } from '../../i18n/locales';
import { THEME_COOKIE, themeOf } from '../../theme';
import { negotiateLocale } from './negotiate';

/** The language chosen on this device (docs/i18n.md, step 1), read from the request's cookie. */
function chosenInRequest(request: Request | undefined): string | undefined {
	const prefix = `${LOCALE_COOKIE}=`;
	const value = request?.headers
		.get('cookie')
		?.split(';')
		.map((c) => c.trim())
		.find((c) => c.startsWith(prefix))
		?.slice(prefix.length);
	return isLocale(value) ? value : undefined;
}

// Paraglide asks custom strategies before its own cookie strategy, so this one puts the
// viewer's choice before Accept-Language itself: a browser always sends Accept-Language.
defineCustomServerStrategy('custom-header', { getLocale: (request) => chosenInRequest(request) ?? negotiateLocale(request?.headers.get('accept-language') ?? null) });

/** Machine-facing paths answer in English with stable codes (docs/i18n.md), and /v1 stays lean. */
const MACHINE = /^\/(v1|api|metrics)(\/|$)/;

/**
 * Renders console pages in the viewer's language and theme: the message functions read the
 * locale Paraglide keeps for this request, and the root element carries `lang` and the theme
 * class, so the first paint is already right (no flash, no JavaScript needed).
 */
export const localeAndTheme: Handle = ({ event, resolve }) => {
	if (MACHINE.test(event.url.pathname)) return resolve(event);
	return paraglideMiddleware(event.request, ({ request, locale }) => {
		event.request = request;
		const theme = themeOf(event.cookies.get(THEME_COOKIE));
		const root = theme === 'system' ? `<html lang="${locale}"` : `<html lang="${locale}" class="${theme}"`;
		return resolve(event, { transformPageChunk: ({ html }) => html.replace('<html lang="%elygate.lang%"', root) });
	});
};
