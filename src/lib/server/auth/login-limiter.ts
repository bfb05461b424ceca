export interface LoginLimiterOptions {
	/** Failed attempts allowed per username inside one window. */
	maxFailures: number;
	/** Failed attempts allowed per client IP; ten times `maxFailures` unless given. */
	maxFailuresPerIp?: number;
	windowMs: number;
	/** Injected clock for tests. */
	now?: () => number;
}

export type LimitDecision = { allowed: true } | { allowed: false; retryAfterMs: number };

interface Bucket {
	failures: number;
	windowStart: number;
}

/**
 * Counts failed attempts (sign-ins, redemption codes) per account and per client IP in fixed
 * windows (in memory, per instance). An IP gets more allowance than one account (ten times by
 * default), since many people may share one.
 */
export class LoginLimiter {
	readonly #byUser = new Map<string, Bucket>();
	readonly #byIp = new Map<string, Bucket>();
	readonly #maxFailures: number;
	readonly #maxFailuresPerIp: number;
	readonly #windowMs: number;
	readonly #now: () => number;

	constructor({ maxFailures, maxFailuresPerIp = maxFailures * 10, windowMs, now = Date.now }: LoginLimiterOptions) {
		this.#maxFailures = maxFailures;
		this.#maxFailuresPerIp = maxFailuresPerIp;
		this.#windowMs = windowMs;
		this.#now = now;
	}

	check(ip: string, username: string): LimitDecision {
		const now = this.#now();
		const waits = [
			this.#wait(this.#byUser, username.toLowerCase(), this.#maxFailures, now),
			this.#wait(this.#byIp, ip, this.#maxFailuresPerIp, now)
		];
		const retryAfterMs = Math.max(...waits);
		return retryAfterMs > 0 ? { allowed: false, retryAfterMs } : { allowed: true };
	}

	recordFailure(ip: string, username: string): void {
		const now = this.#now();
		this.#bump(this.#byUser, username.toLowerCase(), now);
		this.#bump(this.#byIp, ip, now);
		if (this.#byUser.size + this.#byIp.size > 100_000) this.#sweep(now);
	}

	/** A successful sign-in clears the username's count (not the IP's). */
	recordSuccess(username: string): void {
		this.#byUser.delete(username.toLowerCase());
	}

	#wait(map: Map<string, Bucket>, key: string, max: number, now: number): number {
		const bucket = map.get(key);
		if (!bucket) return 0;
		const ends = bucket.windowStart + this.#windowMs;
		if (now >= ends) {
			map.delete(key);
			return 0;
		}
		return bucket.failures >= max ? ends - now : 0;
	}

	#bump(map: Map<string, Bucket>, key: string, now: number): void {
		const bucket = map.get(key);
		if (!bucket || now >= bucket.windowStart + this.#windowMs) map.set(key, { failures: 1, windowStart: now });
		else bucket.failures++;
	}

	#sweep(now: number): void {
		for (const map of [this.#byUser, this.#byIp]) {
			for (const [key, bucket] of map) if (now >= bucket.windowStart + this.#windowMs) map.delete(key);
		}
	}
}
