import type { LedgerEntry } from '../billing/ledger';
import { relayRefusals, relayRefusalsSuppressed } from '../observability/relay-metrics';
import type { CallInput } from './call';
import { relayContext } from './context';
import type { RelayError } from './errors';

/** The window the per-key limit counts in. */
export const REFUSAL_WINDOW_MS = 60_000;

interface KeyWindow {
	start: number;
	written: number;
	/** Refusals not written since the key's last refusal row. */
	folded: number;
}

/** Past this many keys tracked, windows that ended with nothing folded are dropped. */
const SWEEP_AT = 4096;

/**
 * How many refusals of one key become log rows: at most `limit` per key per fixed window
 * (`REFUSAL_WINDOW_MS`), so a program stuck in a loop of refused calls cannot flood the log or
 * the ledger. A refusal over the limit is not written; it is folded into the key's next refusal
 * row, which carries how many were (`repeat_count`). Pure: the caller passes the time.
 */
export class RefusalLimiter {
	readonly #keys = new Map<number, KeyWindow>();
	readonly #windowMs: number;

	constructor(windowMs = REFUSAL_WINDOW_MS) {
		this.#windowMs = windowMs;
	}

	/**
	 * A refusal of `keyId` at `now`: the number of earlier refusals folded into it when it is to
	 * be written (0 or more), or -1 when it is over the limit and only counted.
	 */
	admit(keyId: number, now: number, limit: number): number {
		let w = this.#keys.get(keyId);
		if (!w) {
			if (this.#keys.size >= SWEEP_AT) this.#sweep(now);
			w = { start: now, written: 0, folded: 0 };
			this.#keys.set(keyId, w);
		} else if (now - w.start >= this.#windowMs || now < w.start) {
			w.start = now;
			w.written = 0;
		}
		if (w.written >= limit) {
			w.folded++;
			return -1;
		}
		w.written++;
		const folded = w.folded;
		w.folded = 0;
		return folded;
	}

	/** Keys tracked now (for tests). */
	get size(): number {
		return this.#keys.size;
	}

	#sweep(now: number): void {
		for (const [id, w] of this.#keys) {
			if (w.folded === 0 && now - w.start >= this.#windowMs) this.#keys.delete(id);
		}
	}
}

/**
 * Records a call refused before it reached any upstream (a key check, a rate limit, the body,
 * the model, the price or the balance): counted in metrics, and, within the key's limit, a log
 * row that costs nothing, pushed to the ledger like every other row (no query here). The
 * wallet holds nothing for it, so nothing is released.
 */
export function recordRefusal(input: CallInput, model: string | undefined, stream: boolean, err: RelayError): void {
	const ctx = relayContext();
	const code = err.code;
	relayRefusals.inc([code ?? 'none', String(err.status)]);
	const folded = ctx.refusals.admit(input.caller.key.id, Date.now(), input.snap.options['relay.refusal_logs_per_minute']);
	if (folded < 0) {
		relayRefusalsSuppressed.inc([]);
		return;
	}
	const entry: LedgerEntry = {
		requestId: input.requestId,
		clientRequestId: input.clientRequestId,
		createdAt: new Date(input.startedAt),
		userId: input.caller.user.id,
		apiKeyId: input.caller.key.id,
		channelId: null,
		// Empty when the call was refused before its body was read (key checks, rate limit, ledger full).
		model: model ?? '',
		upstreamModel: null,
		door: input.door,
		stream,
		promptTokens: 0,
		completionTokens: 0,
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
		status: err.status,
		latencyMs: Math.round(Date.now() - input.startedAt),
		firstTokenMs: null,
		attempts: 0,
		error: err.message.slice(0, 1000),
		errorCode: code,
		repeatCount: folded,
		clientIp: input.clientIp || null
	};
	ctx.ledger.push(entry);
}
