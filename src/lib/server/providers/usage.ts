import type { ChatUsage } from '../protocol/canonical';
import type { NormalizedUsage } from './types';

/** OpenAI-shaped usage for the client from the normalized record (docs/protocol.md, "Usage"). */
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

/**
 * Reads the token counts of one upstream usage report. A count should be a non-negative
 * integer; whatever else an upstream sends (a negative or fractional number, a numeric string,
 * a number too large to be exact such as 1e999, which JSON reads as Infinity) is read as the
 * nearest count and the report is marked `malformed`, so billing flags the call rather than
 * trusting the number or failing on it. Absent fields count 0 and are not malformed.
 */
export class TokenCountReader {
	malformed: boolean;

	/** `from`: a report this one continues (a stream's later usage), whose mark carries over. */
	constructor(from?: NormalizedUsage) {
		this.malformed = from?.malformed === true;
	}

	count(value: unknown): number {
		if (value === undefined || value === null) return 0;
		if (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0) return value;
		this.malformed = true;
		const n = typeof value === 'number' ? value : typeof value === 'string' && DECIMAL.test(value) ? Number(value) : 0;
		if (!(n > 0)) return 0;
		return Math.min(Number.MAX_SAFE_INTEGER, Math.floor(n));
	}

	/** `usage`, marked when any count read was malformed. */
	result(usage: NormalizedUsage): NormalizedUsage {
		return this.malformed ? { ...usage, malformed: true } : usage;
	}
}

const DECIMAL = /^\s*\d+(\.\d*)?\s*$/;
