import { FastCounter, FastGauge, FastHistogram } from './fast-metrics';

const SECONDS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300];

export const relayRequests = new FastCounter(
	'elygate_relay_requests_total',
	'Calls answered by the /v1 relay, by model (priced models only, else "other"), channel type and status class.',
	['model', 'channel_type', 'status_class']
);

export const relayLatency = new FastHistogram(
	'elygate_relay_latency_seconds',
	'Time from receiving a call to the end of its answer (streams: the last byte).',
	['model', 'channel_type'],
	SECONDS
);

export const relayFirstToken = new FastHistogram(
	'elygate_relay_first_token_seconds',
	'Time from receiving a call to the first byte of its answer.',
	['model', 'channel_type'],
	SECONDS
);

export const upstreamFailures = new FastCounter(
	'elygate_upstream_failures_total',
	'Upstream failures by channel type and classification (retry, cool, bad-key, model-unavailable, client).',
	['channel_type', 'classification']
);

export const relayRefusals = new FastCounter(
	'elygate_relay_refusals_total',
	'Calls of a known API key refused before any upstream (key checks, limits, body, model, price, balance), by error code and status.',
	['code', 'status']
);

export const relayRefusalsSuppressed = new FastCounter(
	'elygate_relay_refusals_suppressed_total',
	"Refusals not written to the request log because their key was over relay.refusal_logs_per_minute (folded into the key's next refusal row).",
	[]
);

export const relayRetries = new FastCounter('elygate_relay_retries_total', 'Calls tried again on another channel.', []);

export const breakerStates = new FastGauge(
	'elygate_breaker_state',
	'Circuit breaker of each channel that has failed: 0 closed, 1 half-open, 2 open.',
	['channel'],
	() => []
);

export const relayInflight = new FastGauge('elygate_relay_inflight', 'Relay calls in progress (streams included).', [], () => []);

export const ledgerQueueDepth = new FastGauge('elygate_ledger_queue_depth', 'Settled calls waiting to be written.', [], () => []);

export const fastMetrics = [
	relayRequests,
	relayLatency,
	relayFirstToken,
	upstreamFailures,
	relayRefusals,
	relayRefusalsSuppressed,
	relayRetries,
	breakerStates,
	relayInflight,
	ledgerQueueDepth
];

export function statusClass(status: number): string {
	return status === 499 ? 'aborted' : `${Math.floor(status / 100)}xx`;
}
