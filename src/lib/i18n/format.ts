import { getLocale } from '../paraglide/runtime';

/** Numbers, money and moments in the page's language (docs/i18n.md). */

export function formatNumber(value: number, options?: Intl.NumberFormatOptions): string {
	return value.toLocaleString(getLocale(), options);
}

/** An amount in a payment currency (CNY, EUR …) as the locale writes it. */
export function formatCurrency(amount: number, currency: string): string {
	return amount.toLocaleString(getLocale(), { style: 'currency', currency });
}

export function formatDateTime(date: Date, options: Intl.DateTimeFormatOptions): string {
	return date.toLocaleString(getLocale(), options);
}
