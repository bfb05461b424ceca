import type { NormalizedUsage } from '../types';
import { TokenCountReader } from '../usage';
import { recordOr as rec } from '../../protocol/json';


/**
 * Anthropic's usage object as the normalized record (docs/providers/anthropic.md, "Non-stream response"): `input_tokens`
 * already excludes cache reads and writes, and `output_tokens` includes thinking. Anthropic
 * reports no thinking split, so `reasoning` stays 0 rather than a guess.
 */
export function usageFromAnthropic(usage: unknown): NormalizedUsage | undefined {
	const u = rec(usage);
	if (!u) return undefined;
	const reader = new TokenCountReader();
	return reader.result({
		inputUncached: reader.count(u.input_tokens),
		cacheRead: reader.count(u.cache_read_input_tokens),
		cacheWrite: reader.count(u.cache_creation_input_tokens),
		output: reader.count(u.output_tokens),
		reasoning: 0
	});
}

/**
 * Folds a stream's later usage (message_delta) into what message_start reported: output is
 * cumulative, so it replaces; input and cache numbers are repeated by newer API versions and
 * omitted by some hosts, so the larger one wins (docs/providers/anthropic.md, "Streaming").
 */
export function mergeStreamUsage(start: NormalizedUsage | undefined, delta: unknown): NormalizedUsage | undefined {
	const d = rec(delta);
	if (!d) return start;
	const base = start ?? { inputUncached: 0, cacheRead: 0, cacheWrite: 0, output: 0, reasoning: 0 };
	const reader = new TokenCountReader(base);
	return reader.result({
		inputUncached: Math.max(base.inputUncached, reader.count(d.input_tokens)),
		cacheRead: Math.max(base.cacheRead, reader.count(d.cache_read_input_tokens)),
		cacheWrite: Math.max(base.cacheWrite, reader.count(d.cache_creation_input_tokens)),
		output: 'output_tokens' in d ? reader.count(d.output_tokens) : base.output,
		reasoning: 0
	});
}
