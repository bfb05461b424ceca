import { locales, type Locale } from '../paraglide/runtime';

export type { Locale };

/** The cookie that keeps the viewer's language once they chose one. */
export const LOCALE_COOKIE = 'elygate_locale';

/** Each language named in itself, for the switch. */
export const LOCALE_NAMES: Record<Locale, string> = { en: 'English', 'zh-CN': '简体中文' };

export const LOCALES: readonly Locale[] = locales;

export function isLocale(value: unknown): value is Locale {
	return typeof value === 'string' && (LOCALES as readonly string[]).includes(value);
}
