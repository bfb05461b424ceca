export interface LoginLimiterOptions {
	/** Failed attempts one client IP may make on one account before it has to wait. */
	maxFailures: number;
	/** Failed attempts allowed per client IP across all accounts; ten times `maxFailures` unless given. */
	maxFailuresPerIp?: number;
	/** Failed attempts on one account from all addresses together; twenty times `maxFailures` unless given. */
	accountCeiling?: number;
	/**
	 * What happens past the account ceiling. `throttle` (sign-ins, where the account may be
	 * someone else's): every address keeps one attempt, then waits, so strangers can slow an
	 * account down but never lock its owner out. `block` (redemption codes, where the account
	 * is the caller's own): the account is refused until the window ends.
	 */
	overCeiling: 'throttle' | 'block';
	windowMs: number;
	/** Injected clock for tests. */
	now?: () => number;
}

/** Settles an attempt that was let through; an attempt never settled counts as a failure. */
export interface AttemptTicket {
	/** It succeeded: it does not count, and this address's failures on the account are forgiven. */
	succeeded(): void;
	/** It was no guess (refused for another reason, or it worked but forgives nothing): it does not count. */
	release(): void;
}

export type LimitDecision = { allowed: true; ticket: AttemptTicket } | { allowed: false; retryAfterMs: number };

interface Bucket {
	failures: number;
	windowStart: number;
	lastFailure: number;
}

/**
 * Limits failed attempts (sign-ins, redemption codes) per account and client IP pair, per IP,
 * and per account (in memory, per instance). An attempt is counted when it begins, before the
 * password or code is checked, so concurrent attempts cannot all slip past the check; a
 * success takes its count back.
 *
 * A pair that used its allowance waits a sixteenth of the window after its last failure,
 * doubling with each further failure up to the whole window; a full window without failures
 * forgives it. IP and account counts are fixed windows. See README "Security".
 */
export class LoginLimiter {
	readonly #byPair = new Map<string, Bucket>();
	readonly #byIp = new Map<string, Bucket>();
	readonly #byAccount = new Map<string, Bucket>();
	readonly #maxFailures: number;
	readonly #maxFailuresPerIp: number;
	readonly #accountCeiling: number;
	readonly #overCeiling: 'throttle' | 'block';
	readonly #windowMs: number;
	readonly #now: () => number;

	constructor({ maxFailures, maxFailuresPerIp = maxFailures * 10, accountCeiling = maxFailures * 20, overCeiling, windowMs, now = Date.now }: LoginLimiterOptions) {
		this.#maxFailures = maxFailures;
		this.#maxFailuresPerIp = maxFailuresPerIp;
		this.#accountCeiling = accountCeiling;
		this.#overCeiling = overCeiling;
		this.#windowMs = windowMs;
		this.#now = now;
	}

	/** Asks to make one attempt; when allowed it is already counted as a failure until settled. */
	begin(ip: string, account: string): LimitDecision {
		const now = this.#now();
		const name = account.toLowerCase();
		const pairKey = `${ip}\n${name}`;
		const byIp = this.#fixedWindow(this.#byIp, ip, now);
		const byAccount = this.#fixedWindow(this.#byAccount, name, now);
		const byPair = this.#slidingWindow(pairKey, now);

		const overCeiling = (byAccount?.failures ?? 0) >= this.#accountCeiling;
		const allowance = overCeiling && this.#overCeiling === 'throttle' ? 1 : this.#maxFailures;
		const waits = [
			byIp && byIp.failures >= this.#maxFailuresPerIp ? byIp.windowStart + this.#windowMs - now : 0,
			byAccount && overCeiling && this.#overCeiling === 'block' ? byAccount.windowStart + this.#windowMs - now : 0,
			byPair && byPair.failures >= allowance ? byPair.lastFailure + this.#backoffMs(byPair.failures - allowance) - now : 0
		];
		const retryAfterMs = Math.max(...waits);
		if (retryAfterMs > 0) return { allowed: false, retryAfterMs };

		const counted = [this.#bump(this.#byIp, ip, byIp, now), this.#bump(this.#byAccount, name, byAccount, now)];
		const pairBefore = byPair?.lastFailure;
		const pair = this.#bump(this.#byPair, pairKey, byPair, now);
		if (this.#byPair.size + this.#byIp.size + this.#byAccount.size > 100_000) this.#sweep(now);

		let settled = false;
		const takeBack = () => {
			if (settled) return false;
			settled = true;
			for (const bucket of counted) bucket.failures = Math.max(0, bucket.failures - 1);
			return true;
		};
		return {
			allowed: true,
			ticket: {
				succeeded: () => {
					if (takeBack() && this.#byPair.get(pairKey) === pair) this.#byPair.delete(pairKey);
				},
				release: () => {
					if (!takeBack()) return;
					pair.failures = Math.max(0, pair.failures - 1);
					if (pairBefore !== undefined) pair.lastFailure = pairBefore;
				}
			}
		};
	}

	/** How long a pair waits after its last failure, `extra` failures past its allowance. */
	#backoffMs(extra: number): number {
		return Math.min(this.#windowMs, (this.#windowMs / 16) * 2 ** extra);
	}

	#fixedWindow(map: Map<string, Bucket>, key: string, now: number): Bucket | undefined {
		const bucket = map.get(key);
		if (bucket && now >= bucket.windowStart + this.#windowMs) {
			map.delete(key);
			return undefined;
		}
		return bucket;
	}

	#slidingWindow(key: string, now: number): Bucket | undefined {
		const bucket = this.#byPair.get(key);
		if (bucket && now >= bucket.lastFailure + this.#windowMs) {
			this.#byPair.delete(key);
			return undefined;
		}
		return bucket;
	}

	#bump(map: Map<string, Bucket>, key: string, live: Bucket | undefined, now: number): Bucket {
		if (live) {
			live.failures++;
			live.lastFailure = now;
			return live;
		}
		const fresh = { failures: 1, windowStart: now, lastFailure: now };
		map.set(key, fresh);
		return fresh;
	}

	#sweep(now: number): void {
		for (const map of [this.#byIp, this.#byAccount]) {
			for (const [key, bucket] of map) if (now >= bucket.windowStart + this.#windowMs) map.delete(key);
		}
		for (const [key, bucket] of this.#byPair) if (now >= bucket.lastFailure + this.#windowMs) this.#byPair.delete(key);
	}
}
