import type { UpstreamFailure } from '../providers/types';
import type { ChannelState } from '../state/snapshot';
import { RelayError, errorTypeFor } from './errors';
import type { ChannelHealth } from './health';
import { scrubUpstreamMessage } from './scrub';

export interface Attempted {
	channel: ChannelState;
	failure: UpstreamFailure;
}

/** Said when retrying cannot help: the gateway's credentials, or no channel has the model. */
const NO_RETRY = { 'x-should-retry': 'false' };

/**
 * The answer when no channel answered (docs/protocol.md, "Failure classification", "Error shape"): the last failure's mapped
 * status; a client mistake passes through as it was; a rate limit stays 429 with retry-after;
 * anything else is the gateway's problem (502/503/504). Transient failures leave retrying to
 * the client's SDK; credential and missing-model failures tell it not to.
 */
export function finalError(attempted: Attempted[], model: string, health: ChannelHealth, now: number): RelayError {
	const last = attempted.at(-1);
	if (!last) {
		return new RelayError(503, `No channel can serve ${model} right now; try again shortly.`, 'no_available_channel', null, 'server_error', {
			'retry-after': '5'
		});
	}
	const f = last.failure;
	const message = scrubUpstreamMessage(f.message);
	const retryAfter = (minMs: number) => ({ 'retry-after': String(Math.ceil(Math.max(f.retryAfterMs ?? 0, minMs) / 1000)) });
	switch (f.kind) {
		case 'client':
			return new RelayError(f.status, message, f.code ?? null, f.param ?? null, f.type ?? errorTypeFor(f.status));
		case 'cool': {
			const headers = retryAfter(Math.max(health.coolingLeftMs(last.channel.id, now), 1000));
			return f.status === 529
				? new RelayError(503, message, 'overloaded', null, 'server_error', headers)
				: new RelayError(429, message, 'rate_limit_exceeded', null, 'rate_limit_error', headers);
		}
		case 'bad-key':
			return new RelayError(502, 'The upstream provider refused the gateway’s credentials.', 'upstream_auth_failed', null, 'upstream_error', NO_RETRY);
		case 'model-unavailable':
			return new RelayError(503, `No channel can serve ${model} right now.`, 'no_available_channel', null, 'server_error', NO_RETRY);
		case 'retry':
			if (f.cause === 'timeout' || f.status === 504 || f.status === 408) {
				return new RelayError(504, message, 'upstream_timeout', null, 'timeout_error');
			}
			if (f.status === 503) return new RelayError(503, message, 'overloaded', null, 'server_error', f.retryAfterMs === undefined ? {} : retryAfter(0));
			if (f.cause === 'unreachable') return new RelayError(502, message, 'upstream_unreachable', null, 'upstream_error');
			return new RelayError(502, message, f.cause === 'bad-response' ? 'bad_response' : 'upstream_error', null, 'upstream_error');
	}
}
