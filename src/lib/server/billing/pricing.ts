import { QUOTA_PER_USD } from '../../money';
import type { Door, NormalizedUsage } from '../providers/types';
import type { PriceState, Snapshot } from '../state/snapshot';

/** Output tokens reserved when neither the client nor the price table says otherwise. */
export const DEFAULT_OUTPUT_RESERVE = 4096;

/**
 * What one call is priced at: the price row of the public model name (null when the model is
 * unpriced and the "allow unpriced models" option serves it free) and the caller's group ratio.
 */
export interface Quote {
	price: PriceState | null;
	groupRatio: number;
}

/** The quote for (model, group), or undefined when the model has no price and may not run free. */
export function quoteFor(snap: Snapshot, model: string, group: string): Quote | undefined {
	const price = snap.prices.get(model);
	const groupRatio = snap.groups.get(group)?.ratio ?? 1;
	if (price) return { price, groupRatio };
	return snap.options['billing.allow_unpriced_models'] ? { price: null, groupRatio } : undefined;
}

/** Whether a quote charges anything at all (a free model's calls cost 0, not the 1-quota minimum). */
export function isFree(quote: Quote): boolean {
	const p = quote.price;
	if (!p || quote.groupRatio === 0) return true;
	return p.pricePerRequestUsd !== null ? p.pricePerRequestUsd === 0 : p.modelRatio === 0;
}

/**
 * The cost of delivered usage, in quota units:
 *   round((uncached + cache_read × cache_read_ratio + cache_write × cache_write_ratio
 *          + output × completion_ratio) × model_ratio × group_ratio)
 * or, for a fixed-price model, price_usd × 500,000 × group_ratio per call. A call that
 * delivered something costs at least 1 unless its model is free.
 */
export function costOf(quote: Quote, usage: NormalizedUsage): number {
	const p = quote.price;
	if (!p || isFree(quote)) return 0;
	const raw =
		p.pricePerRequestUsd !== null
			? p.pricePerRequestUsd * QUOTA_PER_USD * quote.groupRatio
			: (usage.inputUncached +
					usage.cacheRead * (p.cacheReadRatio ?? 1) +
					usage.cacheWrite * (p.cacheWriteRatio ?? 1) +
					usage.output * p.completionRatio) *
				p.modelRatio *
				quote.groupRatio;
	return Math.max(1, Math.round(raw));
}

/**
 * The worst case a call may cost, held against the balance while it runs: the prompt's
 * estimated tokens at the input price plus `outputTokens` (max_tokens × n, or the model's
 * default reserve) at the output price. Rounded up, never below the 1-quota minimum.
 */
export function reservationOf(quote: Quote, promptTokens: number, outputTokens: number): number {
	const p = quote.price;
	if (!p || isFree(quote)) return 0;
	const raw =
		p.pricePerRequestUsd !== null
			? p.pricePerRequestUsd * QUOTA_PER_USD * quote.groupRatio
			: (promptTokens + outputTokens * p.completionRatio) * p.modelRatio * quote.groupRatio;
	return Math.max(1, Math.ceil(raw - 1e-9));
}

/** OpenAI's documented default for legacy completions without `max_tokens`. */
export const COMPLETIONS_DEFAULT_MAX_TOKENS = 16;

/** The output a call may produce, which its reservation covers and the upstream is held to. */
export interface OutputBudget {
	/** Tokens one choice may produce. */
	perChoice: number;
	/** Choices the upstream generates and bills: `n`, or `best_of` for legacy completions. */
	choices: number;
	/** The client set no limit, so the upstream must be given `perChoice` as one. */
	impose: boolean;
}

/**
 * The output budget of a request (in OpenAI chat terms, or legacy completions): its
 * max_completion_tokens or max_tokens (the newer name wins), else the price row's default
 * reserve (legacy completions: the API's own default of 16). Without a limit of its own the
 * request is sent upstream with this one, so the reservation covers whatever the model does.
 * Embeddings produce nothing.
 */
export function outputBudgetOf(body: Record<string, unknown>, price: PriceState | null, door: Door): OutputBudget {
	if (door === 'embeddings') return { perChoice: 0, choices: 1, impose: false };
	const given = positiveInt(body.max_completion_tokens) ?? positiveInt(body.max_tokens);
	const fallback = door === 'completions' ? COMPLETIONS_DEFAULT_MAX_TOKENS : (price?.defaultOutputReserve ?? DEFAULT_OUTPUT_RESERVE);
	const n = positiveInt(body.n) ?? 1;
	const choices = door === 'completions' ? Math.max(n, positiveInt(body.best_of) ?? 1) : n;
	// A limit the client set but got wrong (a string, zero) is the upstream's to refuse.
	const unset = body.max_completion_tokens == null && body.max_tokens == null;
	return { perChoice: given ?? fallback, choices, impose: unset };
}

function positiveInt(value: unknown): number | undefined {
	return typeof value === 'number' && Number.isSafeInteger(value) && value > 0 ? value : undefined;
}
