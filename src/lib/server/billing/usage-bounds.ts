import { QUOTA_PER_USD } from '../../money';
import type { NormalizedUsage } from '../providers/types';

/**
 * Ceilings on what one call is billed for, far above any real call. An upstream's usage
 * report is outside our control: a broken or hostile one could report three billion prompt
 * tokens, a negative count or a number too large to be exact. Beyond a ceiling the call is
 * billed at the ceiling and flagged (`usage_clamped` on its log row, a warning, a metric), so
 * it can neither overflow a ledger column, and with it every call batched alongside, nor
 * charge an absurd amount. README "Billing" describes it for operators.
 */

/** Tokens per usage field (input, cache read, cache write, output) per call: 100 million, ~50× the largest context window on offer. */
export const MAX_TOKENS_PER_CALL = 100_000_000;

/**
 * Quota units per call: USD 100,000, some 300× the most a real call costs at today's prices
 * (a 2-million-token prompt at USD 150 per million). Money stays an exact integer far below
 * both 2^53 and the bigint columns that sum it.
 */
export const MAX_COST_PER_CALL = 100_000 * QUOTA_PER_USD;

export interface BoundedCharge {
	/** The usage billed and logged: every field a safe integer in [0, MAX_TOKENS_PER_CALL]. */
	usage: NormalizedUsage;
	/** The cost billed, an integer in [0, MAX_COST_PER_CALL]. */
	cost: number;
	/** Something was out of bounds or malformed and was replaced by the nearest bound. */
	clamped: boolean;
}

/**
 * The charge for a call: `usage` brought within bounds, priced by `price`, and that cost
 * brought within bounds. Never throws on bad numbers: NaN, negatives and non-numbers count 0,
 * fractions round down, Infinity and anything above a ceiling count the ceiling, and each of
 * these sets `clamped` (as does usage a provider already marked malformed).
 */
export function boundedCharge(usage: NormalizedUsage, price: (usage: NormalizedUsage) => number): BoundedCharge {
	const inputUncached = boundedCount(usage.inputUncached);
	const cacheRead = boundedCount(usage.cacheRead);
	const cacheWrite = boundedCount(usage.cacheWrite);
	const output = boundedCount(usage.output);
	const reasoning = Math.min(boundedCount(usage.reasoning), output);
	const usageClamped =
		usage.malformed === true ||
		inputUncached !== usage.inputUncached ||
		cacheRead !== usage.cacheRead ||
		cacheWrite !== usage.cacheWrite ||
		output !== usage.output ||
		reasoning !== usage.reasoning;
	const billed = usageClamped ? { inputUncached, cacheRead, cacheWrite, output, reasoning } : usage;
	const raw = price(billed);
	const cost = boundedCost(raw);
	return { usage: billed, cost, clamped: usageClamped || cost !== raw };
}

function boundedCount(value: unknown): number {
	if (typeof value !== 'number' || !(value > 0)) return 0;
	return Math.min(MAX_TOKENS_PER_CALL, Math.floor(value));
}

function boundedCost(value: number): number {
	if (typeof value !== 'number' || !(value > 0)) return 0;
	return Math.min(MAX_COST_PER_CALL, Math.round(value));
}
