import type { LedgerEntry } from '../billing/ledger-queue';

let serial = 0;

/** A settled call for unit tests, as the relay would push it, each with its own request id; override what matters. */
export function ledgerEntry(over: Partial<LedgerEntry> = {}): LedgerEntry {
	return {
		requestId: `req_unit_${serial++}`,
		clientRequestId: null,
		createdAt: new Date(1_700_000_000_000),
		userId: 1,
		apiKeyId: 7,
		channelId: 3,
		model: 'gpt-4o-mini',
		upstreamModel: 'gpt-4o-mini',
		door: 'chat',
		stream: false,
		promptTokens: 10,
		completionTokens: 5,
		cacheReadTokens: 0,
		cacheWriteTokens: 0,
		reasoningTokens: 0,
		estimated: false,
		usageClamped: false,
		modelRatio: null,
		completionRatio: null,
		groupRatio: null,
		cacheReadRatio: null,
		cacheWriteRatio: null,
		pricePerRequestUsd: null,
		cost: 0,
		status: 200,
		latencyMs: 12,
		firstTokenMs: 3,
		attempts: 1,
		error: null,
		errorCode: null,
		repeatCount: 0,
		clientIp: '127.0.0.1',
		...over
	};
}
