import type { NormalizedUsage } from '../types';
import { TokenCountReader } from '../usage';

function field(obj: unknown, key: string): unknown {
	return obj !== null && typeof obj === 'object' ? (obj as Record<string, unknown>)[key] : undefined;
}

/**
 * OpenAI's usage object (and the compatible variants: DeepSeek's prompt_cache_hit_tokens,
 * Anthropic-style cache numbers some routers add) as the normalized record.
 */
export function usageFromOpenAI(usage: unknown): NormalizedUsage | undefined {
	if (usage === null || typeof usage !== 'object') return undefined;
	const reader = new TokenCountReader();
	const count = (value: unknown) => reader.count(value);
	const prompt = count(field(usage, 'prompt_tokens'));
	const output = count(field(usage, 'completion_tokens'));
	const cached =
		count(field(field(usage, 'prompt_tokens_details'), 'cached_tokens')) ||
		count(field(usage, 'prompt_cache_hit_tokens')) ||
		count(field(usage, 'cache_read_input_tokens'));
	const cacheWrite = count(field(usage, 'cache_creation_input_tokens'));
	const reasoning = count(field(field(usage, 'completion_tokens_details'), 'reasoning_tokens'));
	const cacheRead = Math.min(cached, prompt);
	return reader.result({
		inputUncached: Math.max(0, prompt - cacheRead - cacheWrite),
		cacheRead,
		cacheWrite: Math.min(cacheWrite, prompt - cacheRead),
		output,
		reasoning: Math.min(reasoning, output)
	});
}
