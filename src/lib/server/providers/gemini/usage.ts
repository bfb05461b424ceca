import type { NormalizedUsage } from '../types';
import { TokenCountReader } from '../usage';
import { isObject } from './json';

/**
 * Gemini's `usageMetadata` as the normalized record (docs/providers/gemini.md, "Non-stream response": usage):
 * promptTokenCount includes cached tokens (and tool-use prompt tokens are input too);
 * candidatesTokenCount excludes thoughts, so output = candidates + thoughts, and the
 * thoughts are the reasoning part of it. Absent fields mean zero. Without candidatesTokenCount,
 * output is derived from the total (which counts thoughts already).
 */
export function usageFromGemini(metadata: unknown): NormalizedUsage | undefined {
	if (!isObject(metadata)) return undefined;
	const reader = new TokenCountReader();
	const count = (value: unknown) => reader.count(value);
	const prompt = count(metadata.promptTokenCount) + count(metadata.toolUsePromptTokenCount);
	const thoughts = count(metadata.thoughtsTokenCount);
	const output =
		metadata.candidatesTokenCount === undefined && metadata.totalTokenCount !== undefined
			? Math.max(thoughts, count(metadata.totalTokenCount) - prompt)
			: count(metadata.candidatesTokenCount) + thoughts;
	const cacheRead = Math.min(count(metadata.cachedContentTokenCount), prompt);
	return reader.result({ inputUncached: prompt - cacheRead, cacheRead, cacheWrite: 0, output, reasoning: Math.min(thoughts, output) });
}
