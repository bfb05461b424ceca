import { formatNumber } from '../i18n/format';
import { QUOTA_PER_USD } from '../money';
import { m } from '../paraglide/messages';
import type { RequestLog } from '../server/db/schema';

/** The fields of a log row its cost was computed from (the ratios are the row's own). */
export type CostInputs = Pick<
	RequestLog,
	'promptTokens' | 'completionTokens' | 'cacheReadTokens' | 'cacheWriteTokens' | 'modelRatio' | 'completionRatio' | 'groupRatio' | 'cacheReadRatio' | 'cacheWriteRatio' | 'pricePerRequestUsd' | 'cost'
>;

export type CostBreakdown =
	| { kind: 'tokens'; terms: Array<{ label: string; tokens: number; ratio: number }>; weighted: number; modelRatio: number; groupRatio: number; raw: number; cost: number }
	| { kind: 'fixed'; priceUsd: number; groupRatio: number; raw: number; cost: number }
	| { kind: 'free'; cost: number }
	| { kind: 'refused'; cost: number };

/**
 * How a logged cost came about, from the row alone (the terms' labels in the page's language): the same formula as the billing code,
 *   round((uncached + cache_read × r_cr + cache_write × r_cw + completion × r_c) × model × group)
 * or price_usd × 500,000 × group for a fixed-price model; at least 1 quota once anything was billed.
 */
export function costBreakdown(row: CostInputs): CostBreakdown {
	// Refused before it was priced (relay/refusals.ts): no quote, so no ratios at all.
	if (row.groupRatio === null && row.modelRatio === null && row.pricePerRequestUsd === null) return { kind: 'refused', cost: row.cost };
	const groupRatio = row.groupRatio ?? 1;
	if (row.pricePerRequestUsd !== null) {
		return { kind: 'fixed', priceUsd: row.pricePerRequestUsd, groupRatio, raw: row.pricePerRequestUsd * QUOTA_PER_USD * groupRatio, cost: row.cost };
	}
	if (row.modelRatio === null) return { kind: 'free', cost: row.cost };
	const uncached = Math.max(0, row.promptTokens - row.cacheReadTokens - row.cacheWriteTokens);
	const terms = [
		{ label: m.logs_term_prompt_uncached(), tokens: uncached, ratio: 1 },
		{ label: m.logs_term_cache_read(), tokens: row.cacheReadTokens, ratio: row.cacheReadRatio ?? 1 },
		{ label: m.logs_term_cache_write(), tokens: row.cacheWriteTokens, ratio: row.cacheWriteRatio ?? 1 },
		{ label: m.logs_term_completion(), tokens: row.completionTokens, ratio: row.completionRatio ?? 1 }
	];
	const weighted = terms.reduce((sum, t) => sum + t.tokens * t.ratio, 0);
	return { kind: 'tokens', terms, weighted, modelRatio: row.modelRatio, groupRatio, raw: weighted * row.modelRatio * groupRatio, cost: row.cost };
}

/** A ratio or token-weighted figure without float noise ("0.1", "2.5", "1,234.56"), in the page's language. */
export function formatFigure(n: number): string {
	return formatNumber(n, { maximumFractionDigits: 6 });
}
