import type { Ledger } from '../billing/ledger';
import { Wallet } from '../billing/wallet';
import type { TrustedProxy } from '../http/client-ip';
import type { Logger } from '../observability/logger';
import type { Options } from '../options/definitions';
import { ChannelHealth, type HealthAction, type HealthSettings } from './health';
import { KeyRateLimiter } from './rate-limit';
import { RefusalLimiter } from './refusals';
import { UpstreamHostGuard } from './upstream-guard';
import type { ImageFetcher } from '../providers/types';
import { ImageFetchError } from '../protocol/errors';

/** What the relay needs of the ledger: how far behind it is, and to hand it a settled call. */
export type LedgerSink = Pick<Ledger, 'full' | 'push' | 'depth'>;

/** The app-wide pieces the relay uses, set once at start. */
export interface RelayContext {
	ledger: LedgerSink;
	/** Reservations and unflushed costs held against balances. */
	wallet: Wallet;
	log: Logger;
	/** Largest request body the relay reads (the server's own limit sits above it). */
	bodyLimit: number;
	/** How long a request body may take to arrive in full. */
	bodyDeadlineMs: number;
	/** Largest non-streamed upstream answer the relay reads; a larger one fails the attempt. */
	answerLimit: number;
	/** Keeps calls away from cloud metadata addresses, whatever a channel host resolves to. */
	hostGuard: UpstreamHostGuard;
	trustedProxy: TrustedProxy | undefined;
	health: ChannelHealth;
	limiter: KeyRateLimiter;
	/** How many refusals per key become log rows (relay/refusals.ts). */
	refusals: RefusalLimiter;
	/** Persists what failures decided (disable a key or channel), in the background. */
	persistHealth(actions: HealthAction[]): void;
	/** Downloads a client's image URL for upstreams that want the bytes (SSRF-guarded). */
	fetchImage: ImageFetcher;
}

let current: RelayContext | undefined;

async function refuseImageFetch(): Promise<never> {
	throw new ImageFetchError('Image URLs cannot be fetched by this gateway; send the image as a data URL.');
}
let settingsFrom: Options | undefined;

export function configureRelay(
	ctx: Omit<RelayContext, 'health' | 'limiter' | 'refusals' | 'wallet' | 'fetchImage' | 'hostGuard'> &
		Partial<Pick<RelayContext, 'health' | 'limiter' | 'refusals' | 'wallet' | 'fetchImage' | 'hostGuard'>>
): RelayContext {
	current = {
		...ctx,
		hostGuard: ctx.hostGuard ?? new UpstreamHostGuard(),
		fetchImage: ctx.fetchImage ?? refuseImageFetch,
		wallet: ctx.wallet ?? new Wallet(),
		health: ctx.health ?? new ChannelHealth(defaultHealthSettings),
		limiter: ctx.limiter ?? new KeyRateLimiter(),
		refusals: ctx.refusals ?? new RefusalLimiter()
	};
	settingsFrom = undefined;
	return current;
}

export function relayContextIfConfigured(): RelayContext | undefined {
	return current;
}

export function relayContext(): RelayContext {
	if (!current) throw new Error('The relay is not configured yet');
	return current;
}

const defaultHealthSettings: HealthSettings = {
	breakerThreshold: 5,
	breakerCooldownMs: 30_000,
	rateLimitCooldownMs: 10_000,
	modelUnavailableMs: 600_000
};

/** Keeps the health rules in step with the options (a new snapshot object after each change). */
export function syncHealthSettings(options: Options): void {
	if (options === settingsFrom || !current) return;
	settingsFrom = options;
	current.health.configure({
		breakerThreshold: options['breaker.failure_threshold'],
		breakerCooldownMs: options['breaker.cooldown_seconds'] * 1000,
		rateLimitCooldownMs: options['relay.rate_limit_cooldown_seconds'] * 1000,
		modelUnavailableMs: options['relay.model_unavailable_seconds'] * 1000
	});
}
