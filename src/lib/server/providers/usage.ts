import type { ChatUsage } from './canonical';
import type { NormalizedUsage } from './types';

/** OpenAI-shaped usage for the client from the normalized record (PROTOCOLS.md §2.4). */
export function chatUsageOf(u: NormalizedUsage): ChatUsage {
	const prompt = u.inputUncached + u.cacheRead + u.cacheWrite;
	const usage: ChatUsage = {
		prompt_tokens: prompt,
		completion_tokens: u.output,
		total_tokens: prompt + u.output,
		prompt_tokens_details: { cached_tokens: u.cacheRead },
		completion_tokens_details: { reasoning_tokens: u.reasoning }
	};
	if (u.cacheRead || u.cacheWrite) {
		usage.cache_read_input_tokens = u.cacheRead;
		usage.cache_creation_input_tokens = u.cacheWrite;
	}
	return usage;
}
