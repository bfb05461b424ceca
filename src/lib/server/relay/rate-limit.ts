import type { KeyState } from '../state/snapshot';

const WINDOW_MS = 60_000;

interface Window {
	start: number;
	current: number;
	previous: number;
}

/**
 * A sliding one-minute window, approximated by the current and the previous fixed minute
 * (the previous one weighted by how much of it still overlaps the last 60 s).
 */
function estimate(w: Window, now: number): number {
	roll(w, now);
	const overlap = 1 - (now - w.start) / WINDOW_MS;
	return w.previous * overlap + w.current;
}

function roll(w: Window, now: number): void {
	const elapsed = now - w.start;
	if (elapsed < WINDOW_MS) return;
	w.previous = elapsed < 2 * WINDOW_MS ? w.current : 0;
	w.current = 0;
	w.start += Math.floor(elapsed / WINDOW_MS) * WINDOW_MS;
}

/**
 * How long until the estimate lets `need` more through under `limit`: the previous minute's
 * weight fades during the current one; once the current minute ends, it becomes the fading one.
 */
function waitFor(w: Window, now: number, limit: number, need: number): number {
	const room = limit - need;
	if (room < 0) return WINDOW_MS * 2;
	if (w.current <= room && w.previous > 0) {
		const fade = 1 - (room - w.current) / w.previous;
		return Math.max(0, w.start + fade * WINDOW_MS - now);
	}
	const fade = w.current > 0 ? Math.max(0, 1 - room / w.current) : 0;
	return Math.max(0, w.start + WINDOW_MS + fade * WINDOW_MS - now);
}

/** Until the window holds nothing at all: OpenAI's x-ratelimit-reset-* ("resets to its initial state"). */
function fullReset(w: Window, now: number): number {
	if (w.current > 0) return w.start + 2 * WINDOW_MS - now;
	if (w.previous > 0) return w.start + WINDOW_MS - now;
	return 0;
}

export type RateDecision =
	| { ok: true; headers: Record<string, string> }
	| { ok: false; headers: Record<string, string>; retryAfterSeconds: number; what: 'requests' | 'tokens' };

/** "6m0s" / "12s" / "0s", the duration format of OpenAI's x-ratelimit-reset-* headers. */
function duration(ms: number): string {
	const s = Math.max(0, Math.ceil(ms / 1000));
	return s >= 60 ? `${Math.floor(s / 60)}m${s % 60}s` : `${s}s`;
}

const UNLIMITED: RateDecision = Object.freeze({ ok: true, headers: Object.freeze({}) });

/**
 * Per-key requests-per-minute and tokens-per-minute limits, per instance (several instances
 * each allow the full rate). A request is counted when admitted; tokens when the call settles,
 * so a call that overruns the token budget is allowed and the next ones wait.
 */
export class KeyRateLimiter {
	readonly #requests = new Map<number, Window>();
	readonly #tokens = new Map<number, Window>();

	/** Admits a call (and counts it) or refuses it, with OpenAI's x-ratelimit-* headers either way. */
	admit(key: KeyState, now: number): RateDecision {
		if (key.rpmLimit === null && key.tpmLimit === null) return UNLIMITED;
		const headers: Record<string, string> = {};
		let refusal: { what: 'requests' | 'tokens'; waitMs: number } | undefined;
		if (key.tpmLimit !== null) {
			const w = this.#window(this.#tokens, key.id, now);
			const used = estimate(w, now);
			headers['x-ratelimit-limit-tokens'] = String(key.tpmLimit);
			headers['x-ratelimit-remaining-tokens'] = String(Math.max(0, Math.floor(key.tpmLimit - used)));
			headers['x-ratelimit-reset-tokens'] = duration(fullReset(w, now));
			// A call needs at least one token of room; how many more it uses is known when it ends.
			if (used + 1 > key.tpmLimit) refusal = { what: 'tokens', waitMs: waitFor(w, now, key.tpmLimit, 1) };
		}
		if (key.rpmLimit !== null) {
			const w = this.#window(this.#requests, key.id, now);
			const used = estimate(w, now);
			const admitted = !refusal && used + 1 <= key.rpmLimit;
			if (admitted) w.current++;
			headers['x-ratelimit-limit-requests'] = String(key.rpmLimit);
			headers['x-ratelimit-remaining-requests'] = String(Math.max(0, Math.floor(key.rpmLimit - used - (admitted ? 1 : 0))));
			headers['x-ratelimit-reset-requests'] = duration(fullReset(w, now));
			if (!admitted && !refusal) refusal = { what: 'requests', waitMs: waitFor(w, now, key.rpmLimit, 1) };
		}
		if (!refusal) return { ok: true, headers };
		const retryAfterSeconds = Math.max(1, Math.ceil(refusal.waitMs / 1000));
		return { ok: false, headers: { ...headers, 'retry-after': String(retryAfterSeconds) }, retryAfterSeconds, what: refusal.what };
	}

	/** Books the tokens a settled call used against its key's TPM window. */
	addTokens(key: KeyState, tokens: number, now: number): void {
		if (key.tpmLimit === null || tokens <= 0) return;
		const w = this.#window(this.#tokens, key.id, now);
		roll(w, now);
		w.current += tokens;
	}

	#window(map: Map<number, Window>, id: number, now: number): Window {
		let w = map.get(id);
		if (!w) {
			w = { start: now - (now % WINDOW_MS), current: 0, previous: 0 };
			map.set(id, w);
		}
		return w;
	}
}
