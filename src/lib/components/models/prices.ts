import { formatNumber } from '../../i18n/format';

/** Ratio 1 = USD 2 per million input tokens (the billing scale; docs/billing.md). */
export const USD_PER_MILLION_AT_RATIO_1 = 2;

export interface PriceRatios {
	modelRatio: number;
	completionRatio: number;
	cacheReadRatio: number | null;
	cacheWriteRatio: number | null;
	pricePerRequestUsd: number | null;
}

/** What one caller pays for a model, in USD, after their group's ratio. */
export type UserPrice =
	| { kind: 'tokens'; input: number; output: number; cachedInput: number | null; cacheWrite: number | null }
	| { kind: 'request'; perRequest: number }
	| { kind: 'free' };

/** USD per million tokens (or per request for fixed-price models) that the billing formula charges this caller. */
export function userPrice(price: PriceRatios | null, groupRatio: number): UserPrice {
	// An unpriced model is served only when the "allow unpriced models" option is on, and then free.
	if (!price) return { kind: 'free' };
	if (price.pricePerRequestUsd !== null) return { kind: 'request', perRequest: price.pricePerRequestUsd * groupRatio };
	const input = USD_PER_MILLION_AT_RATIO_1 * price.modelRatio * groupRatio;
	return {
		kind: 'tokens',
		input,
		output: input * price.completionRatio,
		cachedInput: price.cacheReadRatio === null ? null : input * price.cacheReadRatio,
		cacheWrite: price.cacheWriteRatio === null ? null : input * price.cacheWriteRatio
	};
}

/** "$2.50", "$0.075", "$0.0004" (in the page's language): enough digits to tell cheap prices apart. */
export function formatPrice(usd: number): string {
	return formatNumber(usd, { style: 'currency', currency: 'USD', minimumFractionDigits: 2, maximumFractionDigits: usd !== 0 && usd < 0.01 ? 6 : 4 });
}
