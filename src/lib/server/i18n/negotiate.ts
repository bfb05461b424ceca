import type { Locale } from '../../i18n/locales';

/**
 * The console language for an Accept-Language header: the first language by weight that we
 * write, by its primary subtag, so "zh", "zh-TW" and "zh-Hans-CN" read Simplified Chinese
 * (closer to them than English) and "en-GB" reads English. Undefined when none matches.
 */
export function negotiateLocale(header: string | null): Locale | undefined {
	if (!header) return undefined;
	const ranked = header
		.split(',')
		.map((part, index) => {
			const [tag = '', ...params] = part.trim().split(';');
			const q = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
			const weight = q ? Number(q.slice(2)) : 1;
			return { primary: tag.trim().toLowerCase().split('-')[0] ?? '', weight: Number.isFinite(weight) ? weight : 0, index };
		})
		.filter((r) => r.weight > 0)
		.sort((a, b) => b.weight - a.weight || a.index - b.index);
	for (const { primary } of ranked) {
		if (primary === 'zh') return 'zh-CN';
		if (primary === 'en') return 'en';
	}
	return undefined;
}
