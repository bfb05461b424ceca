import type { UpstreamFailure } from '../providers/types';
import type { ChannelKeyState, ChannelState } from '../state/snapshot';

export interface HealthSettings {
	breakerThreshold: number;
	breakerCooldownMs: number;
	rateLimitCooldownMs: number;
	modelUnavailableMs: number;
}

type Breaker =
	| { state: 'closed'; failures: number }
	| { state: 'open'; until: number }
	| { state: 'half-open'; probing: boolean };

export type Admission = 'ok' | 'probe' | 'skip';

/** One channel's health as this instance sees it (breakers and cool-downs are per instance). */
export interface ChannelHealthView {
	breaker: 'closed' | 'open' | 'half-open';
	consecutiveFailures: number;
	/** While open: when the breaker lets one probe through. */
	openUntil: Date | null;
	/** After a rate limit: when the channel is first choice again. */
	coolingUntil: Date | null;
}

/** What the relay must persist after a failure (done in the background, never on the request path). */
export type HealthAction =
	| { kind: 'disable-key'; channelId: number; keyId: number; reason: string }
	| { kind: 'disable-channel'; channelId: number; reason: string };

/**
 * Per-instance channel health: circuit breakers, rate-limit cool-downs, models a channel
 * said it does not have, and keys just found bad (until the snapshot reloads without them).
 * Pure bookkeeping: the clock is passed in, and persistence is the caller's job.
 */
export class ChannelHealth {
	readonly #breakers = new Map<number, Breaker>();
	readonly #coolUntil = new Map<number, number>();
	readonly #modelGone = new Map<string, number>();
	/** key id -> when it was found bad; ignored once the channel was reloaded after that. */
	readonly #badKeys = new Map<number, number>();

	constructor(private settings: HealthSettings) {}

	configure(settings: HealthSettings): void {
		this.settings = settings;
	}

	isCooling(channelId: number, now: number): boolean {
		const until = this.#coolUntil.get(channelId);
		return until !== undefined && until > now;
	}

	coolingLeftMs(channelId: number, now: number): number {
		return Math.max(0, (this.#coolUntil.get(channelId) ?? 0) - now);
	}

	/** Whether a call may go to this channel now, and whether it is the half-open probe. */
	admit(channel: ChannelState, model: string, now: number): Admission {
		const gone = this.#modelGone.get(`${channel.id} ${model}`);
		if (gone !== undefined && gone > now) return 'skip';
		const breaker = this.#breakers.get(channel.id);
		if (!breaker || breaker.state === 'closed') return 'ok';
		if (breaker.state === 'open') {
			if (breaker.until > now) return 'skip';
			this.#breakers.set(channel.id, { state: 'half-open', probing: true });
			return 'probe';
		}
		// Half-open: exactly one probe at a time; everyone else goes elsewhere.
		if (breaker.probing) return 'skip';
		breaker.probing = true;
		return 'probe';
	}

	/** The channel's usable keys: enabled in the snapshot and not found bad since it loaded. */
	usableKeys(channel: ChannelState): ChannelKeyState[] {
		if (this.#badKeys.size === 0) return channel.keys as ChannelKeyState[];
		return channel.keys.filter((k) => {
			const markedAt = this.#badKeys.get(k.id);
			return markedAt === undefined || markedAt < channel.loadedAt;
		});
	}

	onSuccess(channel: ChannelState): void {
		const breaker = this.#breakers.get(channel.id);
		if (breaker && !(breaker.state === 'closed' && breaker.failures === 0)) this.#breakers.set(channel.id, { state: 'closed', failures: 0 });
	}

	/** A call that ended without an answer from this channel counts nowhere (the client left). */
	onAbandoned(channel: ChannelState): void {
		const breaker = this.#breakers.get(channel.id);
		if (breaker?.state === 'half-open') breaker.probing = false;
	}

	/** Books a failure and returns what must be persisted, if anything. */
	onFailure(channel: ChannelState, key: ChannelKeyState, model: string, failure: UpstreamFailure, now: number): HealthAction[] {
		const s = this.settings;
		switch (failure.kind) {
			case 'client':
				// The client's own mistake: the channel worked.
				this.onSuccess(channel);
				return [];
			case 'cool':
				this.#coolUntil.set(channel.id, now + (failure.retryAfterMs ?? s.rateLimitCooldownMs));
				this.#releaseProbe(channel.id);
				return [];
			case 'model-unavailable':
				this.#modelGone.set(`${channel.id} ${model}`, now + s.modelUnavailableMs);
				this.#releaseProbe(channel.id);
				return [];
			case 'bad-key': {
				this.#badKeys.set(key.id, now);
				this.#releaseProbe(channel.id);
				const reason = `upstream ${failure.status || 'error'}: ${failure.message}`.slice(0, 500);
				const actions: HealthAction[] = [{ kind: 'disable-key', channelId: channel.id, keyId: key.id, reason }];
				// The channel's last key: the channel itself goes until a probe brings it back.
				if (this.usableKeys(channel).length === 0) actions.push({ kind: 'disable-channel', channelId: channel.id, reason });
				return actions;
			}
			case 'retry': {
				const breaker = this.#breakers.get(channel.id) ?? { state: 'closed', failures: 0 };
				if (breaker.state === 'closed' && breaker.failures + 1 < s.breakerThreshold) {
					this.#breakers.set(channel.id, { state: 'closed', failures: breaker.failures + 1 });
				} else {
					this.#breakers.set(channel.id, { state: 'open', until: now + s.breakerCooldownMs });
				}
				return [];
			}
		}
	}

	describe(channelId: number, now: number): ChannelHealthView {
		const b = this.#breakers.get(channelId) ?? { state: 'closed', failures: 0 };
		const cooling = this.#coolUntil.get(channelId);
		return {
			breaker: b.state,
			consecutiveFailures: b.state === 'closed' ? b.failures : 0,
			openUntil: b.state === 'open' ? new Date(b.until) : null,
			coolingUntil: cooling !== undefined && cooling > now ? new Date(cooling) : null
		};
	}

	/** A test or probe just succeeded: forget this channel's failures and cool-downs. */
	forget(channelId: number): void {
		this.#breakers.delete(channelId);
		this.#coolUntil.delete(channelId);
		for (const key of this.#modelGone.keys()) if (key.startsWith(`${channelId} `)) this.#modelGone.delete(key);
	}

	/** For /metrics: 0 closed, 1 half-open, 2 open. */
	breakerStates(): Array<[channelId: number, state: 0 | 1 | 2]> {
		return [...this.#breakers].map(([id, b]) => [id, b.state === 'closed' ? 0 : b.state === 'half-open' ? 1 : 2]);
	}

	#releaseProbe(channelId: number): void {
		const breaker = this.#breakers.get(channelId);
		if (breaker?.state === 'half-open') breaker.probing = false;
	}
}
