import type { ProviderAdaptor } from '../providers/types';
import { RelayError } from './errors';
import { scrubUpstreamMessage } from './scrub';

/**
 * What the client sees when the upstream refused (PROTOCOLS.md §2.5, §10). The client's own
 * mistakes keep their status; the gateway's problems (the upstream rejecting our key, its
 * outages) become 5xx, so a client never thinks its own key was wrong.
 */
export function upstreamFailure(adaptor: ProviderAdaptor, status: number, text: string, headers: Headers): RelayError {
	const message = scrubUpstreamMessage(adaptor.errorMessage(status, text));
	if (status === 429) {
		const retryAfter = headers.get('retry-after');
		return new RelayError(429, message, 'rate_limit_exceeded', null, 'rate_limit_error', retryAfter ? { 'retry-after': retryAfter } : {});
	}
	if (status === 401 || status === 403) {
		return new RelayError(502, 'The upstream provider refused the gateway’s credentials.', 'upstream_auth_failed', null, 'upstream_error');
	}
	if (status === 404) return new RelayError(404, message, 'model_not_found', 'model');
	if (status === 408 || status === 504) return new RelayError(504, message, 'upstream_timeout', null, 'timeout_error');
	if (status === 413) return new RelayError(413, message, 'request_too_large');
	if (status >= 400 && status < 500) return new RelayError(status, message, null);
	if (status === 503 || status === 529) return new RelayError(503, message, 'overloaded', null, 'server_error');
	return new RelayError(502, message, 'upstream_error', null, 'upstream_error');
}
