import * as z from 'zod';
import { en, zhCN } from 'zod/locales';
import { getLocale } from '../paraglide/runtime';

const BY_LOCALE = { en: en(), 'zh-CN': zhCN() } as const;

/**
 * Zod's own messages (a type or size a schema gives no text for) in the language of the page
 * being validated. Messages a schema writes itself come from the catalogue; both read the
 * locale at parse time, so /api and /v1 (outside Paraglide's request scope) stay English.
 */
export function localizeZod(): void {
	z.config({ localeError: (issue) => BY_LOCALE[getLocale()].localeError(issue) });
}
