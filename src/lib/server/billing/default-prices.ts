import { DEFAULT_OUTPUT_RESERVE } from './pricing';

/**
 * The price table a fresh installation starts with, in USD per million tokens as each provider
 * states it, so a row can be checked against the provider's page at a glance. Ratios are
 * derived in code (`ratiosFromUsd`), never typed in by hand.
 *
 * `verified: true` means the numbers were read on the provider's own pricing page on `checked`.
 * `verified: false` rows carry widely published values that could not be confirmed there; their
 * source column says so, and an admin should check them before relying on them.
 *
 * Where a provider has tiers (long-context surcharges, peak hours, prompt-length bands) the
 * base/standard tier is used: billing by a request's size or time of day is not modelled here.
 */

export interface UsdPrices {
	/** USD per million uncached input tokens. */
	input: number;
	/** USD per million output tokens; null for models that produce none (embeddings). */
	output: number | null;
	/** USD per million input tokens read from the provider's prompt cache. */
	cachedInput?: number;
	/** USD per million input tokens written to the cache (Anthropic: the 5-minute write). */
	cacheWrite?: number;
}

export interface DefaultPrice extends UsdPrices {
	model: string;
	/** Output tokens reserved when a client sends no max_tokens; the table default when absent. */
	outputReserve?: number;
	source: string;
	/** ISO date the row was last checked. */
	checked: string;
	verified: boolean;
}

export interface PriceRatios {
	modelRatio: number;
	completionRatio: number;
	cacheReadRatio: number | null;
	cacheWriteRatio: number | null;
}

/** Ratio 1 = USD 2 per million input tokens (New-API's scale, so its tables import as-is). */
export const USD_PER_MILLION_AT_RATIO_1 = 2;

// Division leaves float noise (0.6 / 0.15 = 3.9999999999999996); twelve significant digits
// keep every price a provider could publish and drop the noise.
const tidy = (n: number) => Number(n.toPrecision(12));

export function ratiosFromUsd(prices: UsdPrices): PriceRatios {
	const { input, output, cachedInput, cacheWrite } = prices;
	for (const [name, value] of Object.entries({ input, output, cachedInput, cacheWrite })) {
		if (value != null && !(Number.isFinite(value) && value >= 0)) throw new RangeError(`${name}: expected a non-negative price, got ${value}`);
	}
	// Every other lane is a multiple of the input price, which therefore cannot be zero.
	if (input === 0 && [output, cachedInput, cacheWrite].some((v) => v != null && v > 0)) {
		throw new RangeError('input: a model with a zero input price cannot price other tokens as ratios of it');
	}
	const relative = (value: number | undefined) => (value == null ? null : input === 0 ? 0 : tidy(value / input));
	return {
		modelRatio: tidy(input / USD_PER_MILLION_AT_RATIO_1),
		// Models without output tokens keep New-API's neutral completion ratio.
		completionRatio: output == null ? 1 : (relative(output) ?? 1),
		cacheReadRatio: relative(cachedInput),
		cacheWriteRatio: relative(cacheWrite)
	};
}

/** What the `source` column says about a default row. */
export function sourceNote(row: Pick<DefaultPrice, 'source' | 'checked' | 'verified'>): string {
	return row.verified ? `${row.source} (checked ${row.checked})` : `unverified: ${row.source} (${row.checked})`;
}

export interface DefaultPriceRow extends PriceRatios {
	model: string;
	pricePerRequestUsd: null;
	defaultOutputReserve: number;
	source: string;
}

/** The table as `model_prices` rows. */
export function defaultPriceRows(table: readonly DefaultPrice[] = DEFAULT_PRICES): DefaultPriceRow[] {
	return table.map((row) => ({
		model: row.model,
		...ratiosFromUsd(row),
		pricePerRequestUsd: null,
		defaultOutputReserve: row.outputReserve ?? DEFAULT_OUTPUT_RESERVE,
		source: sourceNote(row)
	}));
}

const OPENAI = 'https://developers.openai.com/api/docs/pricing';
const ANTHROPIC = 'https://platform.claude.com/docs/en/about-claude/pricing';
const ANTHROPIC_OLD = 'https://docs.anthropic.com/en/docs/about-claude/pricing';
const GOOGLE = 'https://ai.google.dev/gemini-api/docs/pricing';
const DEEPSEEK = 'https://api-docs.deepseek.com/quick_start/pricing';
const CHECKED = '2026-11-28';

// Reasoning models spend output tokens on thinking; a 4K reserve would under-reserve most calls.
const REASONING_RESERVE = 16_384;
// Embeddings produce no output tokens, so nothing needs reserving for them.
const EMBEDDING_RESERVE = 1;

type Row = Omit<DefaultPrice, 'source' | 'checked' | 'verified'>;
const from = (source: string, verified: boolean, rows: Row[]): DefaultPrice[] =>
	rows.map((row) => ({ ...row, source, checked: CHECKED, verified }));

export const DEFAULT_PRICES: readonly DefaultPrice[] = [
	// OpenAI: the pricing page could not be read here; these are the long-published list prices.
	// GPT-5.4 and later have a surcharge above 272K input tokens; the base tier is used.
	...from(OPENAI, false, [
		{ model: 'gpt-4o', input: 2.5, output: 10, cachedInput: 1.25 },
		{ model: 'gpt-4o-mini', input: 0.15, output: 0.6, cachedInput: 0.075 },
		{ model: 'gpt-4.1', input: 2, output: 8, cachedInput: 0.5 },
		{ model: 'gpt-4.1-mini', input: 0.4, output: 1.6, cachedInput: 0.1 },
		{ model: 'gpt-4.1-nano', input: 0.1, output: 0.4, cachedInput: 0.025 },
		{ model: 'gpt-5', input: 1.25, output: 10, cachedInput: 0.125, outputReserve: REASONING_RESERVE },
		{ model: 'gpt-5-mini', input: 0.25, output: 2, cachedInput: 0.025, outputReserve: REASONING_RESERVE },
		{ model: 'gpt-5-nano', input: 0.05, output: 0.4, cachedInput: 0.005, outputReserve: REASONING_RESERVE },
		{ model: 'gpt-5.1', input: 1.25, output: 10, cachedInput: 0.125, outputReserve: REASONING_RESERVE },
		{ model: 'gpt-5.2', input: 1.75, output: 14, cachedInput: 0.175, outputReserve: REASONING_RESERVE },
		{ model: 'gpt-5.4', input: 2.5, output: 15, cachedInput: 0.25, outputReserve: REASONING_RESERVE },
		{ model: 'gpt-5.4-mini', input: 0.75, output: 4.5, cachedInput: 0.075, outputReserve: REASONING_RESERVE },
		{ model: 'gpt-5.4-nano', input: 0.2, output: 1.25, cachedInput: 0.02, outputReserve: REASONING_RESERVE },
		{ model: 'gpt-5.5', input: 5, output: 30, cachedInput: 0.5, outputReserve: REASONING_RESERVE },
		{ model: 'o1', input: 15, output: 60, cachedInput: 7.5, outputReserve: REASONING_RESERVE },
		{ model: 'o3', input: 2, output: 8, cachedInput: 0.5, outputReserve: REASONING_RESERVE },
		{ model: 'o3-mini', input: 1.1, output: 4.4, cachedInput: 0.55, outputReserve: REASONING_RESERVE },
		{ model: 'o4-mini', input: 1.1, output: 4.4, cachedInput: 0.275, outputReserve: REASONING_RESERVE },
		{ model: 'text-embedding-3-small', input: 0.02, output: null, outputReserve: EMBEDDING_RESERVE },
		{ model: 'text-embedding-3-large', input: 0.13, output: null, outputReserve: EMBEDDING_RESERVE },
		{ model: 'text-embedding-ada-002', input: 0.1, output: null, outputReserve: EMBEDDING_RESERVE }
	]),

	// Anthropic, read on the model pricing table ("Base input", "5m cache writes", "Cache hits",
	// "Output"). Cache writes use the 5-minute price; the 1-hour write costs more.
	...from(ANTHROPIC, true, [
		{ model: 'claude-opus-4-1', input: 15, output: 75, cachedInput: 1.5, cacheWrite: 18.75 },
		{ model: 'claude-opus-4-5', input: 5, output: 25, cachedInput: 0.5, cacheWrite: 6.25 },
		{ model: 'claude-opus-4-6', input: 5, output: 25, cachedInput: 0.5, cacheWrite: 6.25 },
		{ model: 'claude-opus-4-7', input: 5, output: 25, cachedInput: 0.5, cacheWrite: 6.25 }
	]),
	...from(ANTHROPIC_OLD, true, [
		{ model: 'claude-opus-4-0', input: 15, output: 75, cachedInput: 1.5, cacheWrite: 18.75 },
		// Sonnet 4 costs $6 / $22.50 above 200K input tokens; the base tier is used.
		{ model: 'claude-sonnet-4-0', input: 3, output: 15, cachedInput: 0.3, cacheWrite: 3.75 }
	]),
	// Not confirmed on Anthropic's page: the Sonnet 4.x rows (same list price as Sonnet 4), Haiku
	// 4.5 (its model page states only $1 / $5), and the 5.5 generation, seen only in release notes
	// of third-party tools. Haiku 5.5 bills 5x above 100K prompt tokens; the base band is used.
	...from(ANTHROPIC, false, [
		{ model: 'claude-sonnet-4-5', input: 3, output: 15, cachedInput: 0.3, cacheWrite: 3.75 },
		{ model: 'claude-sonnet-4-6', input: 3, output: 15, cachedInput: 0.3, cacheWrite: 3.75 },
		{ model: 'claude-haiku-4-5', input: 1, output: 5, cachedInput: 0.1, cacheWrite: 1.25 },
		{ model: 'claude-opus-5-5', input: 4, output: 20, cachedInput: 0.2, cacheWrite: 5 },
		{ model: 'claude-sonnet-5-5', input: 2, output: 10, cachedInput: 0.1, cacheWrite: 2.5 },
		{ model: 'claude-haiku-5-5', input: 0.1, output: 0.5, cachedInput: 0.01, cacheWrite: 0.125 }
	]),

	// Google: the pricing page could not be read here. Pro models charge more above 200K prompt
	// tokens; the base tier is used. Cache storage (per hour) is not a token price and is left out.
	...from(GOOGLE, false, [
		{ model: 'gemini-2.5-pro', input: 1.25, output: 10, cachedInput: 0.125, outputReserve: REASONING_RESERVE },
		{ model: 'gemini-2.5-flash', input: 0.3, output: 2.5, cachedInput: 0.03, outputReserve: REASONING_RESERVE },
		{ model: 'gemini-2.5-flash-lite', input: 0.1, output: 0.4, cachedInput: 0.01 },
		{ model: 'gemini-3-pro-preview', input: 2, output: 12, cachedInput: 0.2, outputReserve: REASONING_RESERVE },
		{ model: 'gemini-3.1-pro-preview', input: 2, output: 12, cachedInput: 0.2, outputReserve: REASONING_RESERVE },
		{ model: 'gemini-3-flash-preview', input: 0.5, output: 3, cachedInput: 0.05, outputReserve: REASONING_RESERVE },
		{ model: 'gemini-embedding-001', input: 0.15, output: null, outputReserve: EMBEDDING_RESERVE }
	]),

	// DeepSeek: the stored copy of the pricing page still shows the V3.1 list (0.56 / 1.68, cache
	// hit 0.07), which later reports say V3.2 replaced; the V3.2 prices are used, unconfirmed.
	// The V4 models have peak and off-peak prices; the peak (standard) price is used.
	...from(DEEPSEEK, false, [
		{ model: 'deepseek-chat', input: 0.28, output: 0.42, cachedInput: 0.028 },
		{ model: 'deepseek-reasoner', input: 0.28, output: 0.42, cachedInput: 0.028, outputReserve: REASONING_RESERVE },
		{ model: 'deepseek-flash', input: 0.3, output: 1.2, cachedInput: 0.006 },
		{ model: 'deepseek-v4-pro', input: 1.32, output: 3.96, cachedInput: 0.044, outputReserve: REASONING_RESERVE }
	])
];
