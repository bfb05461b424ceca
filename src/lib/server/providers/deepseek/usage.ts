import { isRecord } from '../../protocol/json';
import type { NormalizedUsage } from '../../protocol/types';
import { usageFromOpenAI } from '../openai/usage';
import { TokenCountReader } from '../usage';

/**
 * DeepSeek's usage (https://api-docs.deepseek.com/api/create-chat-completion): OpenAI's
 * fields plus `prompt_cache_hit_tokens` (billed as cache reads) and `prompt_cache_miss_tokens`
 * (the uncached input); reasoning tokens of deepseek-reasoner in
 * `completion_tokens_details.reasoning_tokens`. A report without the cache fields is OpenAI's.
 */
export function usageFromDeepSeek(usage: unknown): NormalizedUsage | undefined {
	if (!isRecord(usage) || (usage.prompt_cache_hit_tokens === undefined && usage.prompt_cache_miss_tokens === undefined)) return usageFromOpenAI(usage);
	const reader = new TokenCountReader();
	const prompt = reader.count(usage.prompt_tokens);
	const output = reader.count(usage.completion_tokens);
	const hit = Math.min(reader.count(usage.prompt_cache_hit_tokens), prompt);
	const miss = usage.prompt_cache_miss_tokens === undefined ? prompt - hit : Math.min(reader.count(usage.prompt_cache_miss_tokens), prompt - hit);
	const details = usage.completion_tokens_details;
	const reasoning = isRecord(details) ? Math.min(reader.count(details.reasoning_tokens), output) : 0;
	return reader.result({ inputUncached: miss, cacheRead: hit, cacheWrite: 0, output, reasoning });
}
