import type { Cookies } from '@sveltejs/kit';
import { eq } from 'drizzle-orm';
import { LOCALE_COOKIE, isLocale, type Locale } from '../../i18n/locales';
import type { DbLike } from '../db/client';
import { users } from '../db/schema';

const YEAR_S = 60 * 60 * 24 * 365;

/** The language the viewer chose on this device, if any (an Accept-Language guess is not a choice). */
export function chosenLocale(cookies: Cookies): Locale | undefined {
	const value = cookies.get(LOCALE_COOKIE);
	return isLocale(value) ? value : undefined;
}

/** Readable by the page's script too: the Paraglide runtime reads the same cookie. */
export function setLocaleCookie(cookies: Cookies, locale: Locale, url: URL): void {
	cookies.set(LOCALE_COOKIE, locale, { path: '/', httpOnly: false, sameSite: 'lax', secure: url.protocol === 'https:', maxAge: YEAR_S });
}

export async function saveUserLocale(db: DbLike, userId: number, locale: Locale): Promise<void> {
	await db.update(users).set({ locale }).where(eq(users.id, userId));
}

/**
 * At sign-in the device and the profile agree: a language chosen on this device (say, on the
 * sign-in page) becomes the profile's; otherwise the profile's choice comes to this device.
 */
export async function reconcileLocaleAtSignIn(db: DbLike, cookies: Cookies, url: URL, user: { id: number; locale: string | null }): Promise<void> {
	const chosen = chosenLocale(cookies);
	if (chosen) {
		if (chosen !== user.locale) await saveUserLocale(db, user.id, chosen);
	} else if (isLocale(user.locale)) {
		setLocaleCookie(cookies, user.locale, url);
	}
}
