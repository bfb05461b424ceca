import type { Handle } from '@sveltejs/kit';
import { defineCustomServerStrategy } from '../../paraglide/runtime';
import { paraglideMiddleware } from '../../paraglide/server';
import { LOCALE_COOKIE, isLocale } from '../../i18n/locales';
import { THEME_COOKIE, themeOf } from '../../theme';
import { negotiateLocale } from './negotiate';

/** The language the viewer chose (src/routes/locale sets the cookie). */
function cookieLocale(request: Request | undefined): string | undefined {
	const header = request?.headers.get('cookie');
	if (!header) return undefined;
	for (const part of header.split(';')) {
		const [name, value] = part.trim().split('=');
		if (name === LOCALE_COOKIE && isLocale(value)) return value;
	}
	return undefined;
}

defineCustomServerStrategy('custom-choice', { getLocale: cookieLocale });
defineCustomServerStrategy('custom-header', { getLocale: (request) => negotiateLocale(request?.headers.get('accept-language') ?? null) });

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
