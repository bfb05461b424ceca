import { relayContextIfConfigured } from '../relay/context';
import { snapshot } from '../state/store';

/** A channel test (or another read of an upstream) waits as long as a real call would for its first byte, but not past a minute. */
export function channelTestTimeoutMs(): number {
	return Math.min(snapshot().options['relay.first_byte_timeout_ms'], 60_000);
}

/** This instance stops holding past failures against a channel that just passed a test. */
export function forgetChannelFailures(channelId: number, ok: boolean): void {
	if (ok) relayContextIfConfigured()?.health.forget(channelId);
}
