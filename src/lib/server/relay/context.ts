import type { Ledger } from '../billing/ledger';
import type { TrustedProxy } from '../http/client-ip';
import type { Logger } from '../observability/logger';

/** The app-wide pieces the relay uses, set once at start. */
export interface RelayContext {
	ledger: Ledger;
	log: Logger;
	/** Largest request body the relay reads (the server's own limit sits above it). */
	bodyLimit: number;
	trustedProxy: TrustedProxy | undefined;
}

let current: RelayContext | undefined;

export function configureRelay(ctx: RelayContext): void {
	current = ctx;
}

export function relayContext(): RelayContext {
	if (!current) throw new Error('The relay is not configured yet');
	return current;
}
