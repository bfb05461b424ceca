import { numberOr, stringOr, type Json } from './json';

/**
 * `reasoning_effort` / `thinking_budget` → `generationConfig.thinkingConfig` (docs/providers/gemini.md, "Request mapping").
 *
 * - An explicit `thinking_budget` (Anthropic's `budget_tokens` semantics: thinking counts
 *   inside max_tokens, as it does in Gemini's maxOutputTokens) goes as `thinkingBudget`,
 *   clamped to the model family's range.
 * - Gemini 3 takes `thinkingLevel`; sending a budget too would be a 400.
 * - Gemini 2.5 takes a budget: Google's own OpenAI layer's table (low 1024, medium 8192,
 *   high 24576). thinking tokens share maxOutputTokens (docs/providers/gemini.md, "Thinking"): an effort-derived budget is
 *   capped at half of the client's max tokens so some answer always fits, rather than added
 *   on top (which would raise what the client asked to pay for).
 * `includeThoughts` is on whenever thinking is, so the thoughts reach the client as reasoning.
 */

const EFFORT_BUDGET: Record<string, number> = { none: 0, minimal: 512, low: 1024, medium: 8192, high: 24576, xhigh: 32768 };

interface Range {
	min: number;
	max: number;
	/** Whether 0 (thinking off) is allowed. */
	canDisable: boolean;
}

function rangeOf(model: string): Range {
	if (/flash-lite/i.test(model)) return { min: 512, max: 24576, canDisable: true };
	if (/flash/i.test(model)) return { min: 1, max: 24576, canDisable: true };
	if (/pro/i.test(model)) return { min: 128, max: 32768, canDisable: false };
	return { min: 1, max: 32768, canDisable: true };
}

function clampBudget(budget: number, model: string): number {
	if (budget === -1) return -1; // dynamic
	const range = rangeOf(model);
	if (budget <= 0) return range.canDisable ? 0 : range.min;
	return Math.min(range.max, Math.max(range.min, Math.floor(budget)));
}

function levelFor(effort: string, model: string): string {
	const flash = /flash/i.test(model);
	switch (effort) {
		case 'none':
		case 'minimal':
			return flash ? 'minimal' : 'low';
		case 'low':
			return 'low';
		case 'medium':
			return flash ? 'medium' : 'high';
		default:
			return 'high';
	}
}

export function thinkingConfig(body: Json, model: string, maxOutputTokens: number | undefined): Json | undefined {
	const explicit = numberOr(body.thinking_budget);
	const effort = stringOr(body.reasoning_effort);
	if (explicit !== undefined) {
		const budget = clampBudget(explicit, model);
		return budget === 0 ? { thinkingBudget: 0 } : { thinkingBudget: budget, includeThoughts: true };
	}
	if (!(effort in EFFORT_BUDGET)) return undefined;
	if (/gemini-3/i.test(model)) return { thinkingLevel: levelFor(effort, model), includeThoughts: true };
	let budget = EFFORT_BUDGET[effort] ?? 0;
	if (budget > 0 && maxOutputTokens !== undefined) budget = Math.min(budget, Math.floor(maxOutputTokens / 2));
	budget = clampBudget(budget, model);
	return budget === 0 ? { thinkingBudget: 0 } : { thinkingBudget: budget, includeThoughts: true };
}
