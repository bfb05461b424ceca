import { formatNumber } from '../../i18n/format';

/** What an admin form's superforms message carries: a result to show, and one-time secrets. */
export interface Notice {
	kind: 'ok' | 'error';
	text: string;
	/** Generated redemption codes, shown once. */
	codes?: string[];
	/** A generated token, shown once. */
	secret?: string;
}

/** Times typed into datetime-local fields are the viewer's; the form sends the offset along. */
export function offsetMinutes(): number {
	return new Date().getTimezoneOffset();
}

/** USD with enough digits for per-million prices ("$0.075"), in the page's language. */
export function usd(value: number | null | undefined): string {
	if (value === null || value === undefined || !Number.isFinite(value)) return '—';
	return formatNumber(value, { style: 'currency', currency: 'USD', minimumFractionDigits: 2, maximumFractionDigits: 6 });
}
