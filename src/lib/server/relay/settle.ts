import type { LedgerEntry } from '../billing/ledger';
import { costOf, type Quote } from '../billing/pricing';
import { boundedCharge } from '../billing/usage-bounds';
import { ZERO_USAGE, type NormalizedUsage } from '../providers/types';
import { relayFirstToken, relayLatency, relayRequests, statusClass } from '../observability/relay-metrics';
import { relayContext } from './context';

/** What is known about a call when it ends, however it ended. */
export interface CallRecord {
	requestId: string;
	clientRequestId: string | null;
	startedAt: number;
	userId: number;
	apiKeyId: number;
	/** The channel tried last (the one that answered, when one did). */
	channelId: number | null;
	channelType: string | null;
	model: string;
	/** The price and group ratio the call is billed at, fixed when it started. */
	quote: Quote;
	/** What the wallet holds for this call until it settles. */
	reserved: number;
	/** Set by settle(): a call is settled once, whatever paths race to end it. */
	settled?: boolean;
	upstreamModel: string | null;
	door: string;
	stream: boolean;
	clientIp: string;
	attempts: number;
	/** Books the tokens used against the key's per-minute budget. */
	onTokens?: (tokens: number) => void;
	/** The call is over (for streams: when the stream ended): it stops counting as in flight. */
	onSettled?: () => void;
}

export interface CallOutcome {
	/** What the client got: the HTTP status, or 499 when it went away first. */
	status: number;
	usage?: NormalizedUsage;
	estimated?: boolean;
	firstTokenMs?: number | null;
	error?: string | null;
	/** The error `code` the client got (the final error's), when it did not succeed. */
	code?: string | null;
	/** The upstream took the request (answered 200, or its stream began): its prompt was processed. */
	upstreamAccepted?: boolean;
}

/**
 * What is billed (docs/billing.md): a call that delivered output (a complete answer, or part of
 * a stream) pays for its usage; so does one whose client left after the upstream took the
 * request, since the upstream processed (and charges for) its prompt and what it generated.
 * A call that delivered nothing through no choice of the client's (every channel failed, the
 * upstream died before output) costs 0 and is still logged.
 */
export function billedCost(call: CallRecord, outcome: CallOutcome, usage: NormalizedUsage): number {
	const delivered = outcome.status === 200 || usage.output > 0;
	const abandoned = outcome.status === 499 && outcome.upstreamAccepted === true;
	return delivered || abandoned ? costOf(call.quote, usage) : 0;
}

/** Every call ends here exactly once: one ledger entry and its metrics, success or not. */
export function settle(call: CallRecord, outcome: CallOutcome): void {
	if (call.settled) return;
	call.settled = true;
	const ctx = relayContext();
	const { usage, cost, clamped } = boundedCharge(outcome.usage ?? ZERO_USAGE, (bounded) => billedCost(call, outcome, bounded));
	ctx.wallet.settle(call.userId, call.apiKeyId, call.reserved, cost);
	const price = call.quote.price;
	const elapsedMs = Date.now() - call.startedAt;
	const model = price ? call.model : 'other';
	const channelType = call.channelType ?? 'none';
	relayRequests.inc([model, channelType, statusClass(outcome.status)]);
	relayLatency.observe([model, channelType], elapsedMs / 1000);
	if (outcome.firstTokenMs != null) relayFirstToken.observe([model, channelType], outcome.firstTokenMs / 1000);
	call.onTokens?.(usage.inputUncached + usage.cacheRead + usage.cacheWrite + usage.output);
	const entry: LedgerEntry = {
		requestId: call.requestId,
		clientRequestId: call.clientRequestId,
		createdAt: new Date(call.startedAt),
		userId: call.userId,
		apiKeyId: call.apiKeyId,
		channelId: call.channelId,
		model: call.model,
		upstreamModel: call.upstreamModel,
		door: call.door,
		stream: call.stream,
		promptTokens: usage.inputUncached + usage.cacheRead + usage.cacheWrite,
		completionTokens: usage.output,
		cacheReadTokens: usage.cacheRead,
		cacheWriteTokens: usage.cacheWrite,
		reasoningTokens: usage.reasoning,
		estimated: outcome.estimated ?? false,
		usageClamped: clamped,
		modelRatio: price?.modelRatio ?? null,
		completionRatio: price?.completionRatio ?? null,
		groupRatio: call.quote.groupRatio,
		cacheReadRatio: price?.cacheReadRatio ?? null,
		cacheWriteRatio: price?.cacheWriteRatio ?? null,
		pricePerRequestUsd: price?.pricePerRequestUsd ?? null,
		cost,
		status: outcome.status,
		latencyMs: Math.round(elapsedMs),
		firstTokenMs: outcome.firstTokenMs ?? null,
		attempts: call.attempts,
		error: outcome.error ?? null,
		errorCode: outcome.code ?? null,
		repeatCount: 0,
		clientIp: call.clientIp || null
	};
	ctx.ledger.push(entry);
	call.onSettled?.();
}
