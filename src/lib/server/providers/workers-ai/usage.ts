import { usageFromOpenAI } from '../openai/usage';
import type { NormalizedUsage } from '../types';

/**
 * Workers AI's usage, or undefined when it reported none. Its compatible endpoint sometimes
 * reports all zeros (docs/providers/workers-ai.md, "Auth and endpoints"): that is no usage, not a free answer, so the relay
 * counts the tokens itself instead of billing nothing.
 */
export function workersUsage(usage: unknown): NormalizedUsage | undefined {
	const u = usageFromOpenAI(usage);
	return u && u.inputUncached + u.cacheRead + u.cacheWrite + u.output > 0 ? u : undefined;
}
