import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** One registry for the process; exposed at /metrics. */
export const registry = new Registry();
collectDefaultMetrics({ register: registry, prefix: 'elygate_process_' });

export const dbQueries = new Counter({
	name: 'elygate_db_queries_total',
	help: 'Queries sent to PostgreSQL, by pool (main: UI, services, state loads; ledger: billing flushes).',
	labelNames: ['pool'] as const,
	registers: [registry]
});

export const stateNotifications = new Counter({
	name: 'elygate_state_notifications_total',
	help: 'State-change notifications received over LISTEN.',
	registers: [registry]
});

// Per-call figures are plain numbers updated on the hot path and copied into prom-client only
// when Prometheus scrapes: a labelled prom-client update hashes its labels on every call.
const gaugeSources = { inflight: () => 0, ledgerDepth: () => 0 };
const relayCounts = new Map<string, number>();
const relayExported = new Map<string, number>();

/** Tells the gauges where to read their values at scrape time. */
export function measureGauge(name: keyof typeof gaugeSources, read: () => number): void {
	gaugeSources[name] = read;
}

/** Counts one /v1 answer. */
export function countRelayResponse(door: string, status: number): void {
	const key = `${door} ${status}`;
	relayCounts.set(key, (relayCounts.get(key) ?? 0) + 1);
}

export const relayRequests = new Counter({
	name: 'elygate_relay_requests_total',
	help: 'Calls answered by the /v1 relay, by door and HTTP status.',
	labelNames: ['door', 'status'] as const,
	registers: [registry],
	collect() {
		for (const [key, n] of relayCounts) {
			const delta = n - (relayExported.get(key) ?? 0);
			if (delta <= 0) continue;
			const [door = '', status = ''] = key.split(' ');
			this.labels(door, status).inc(delta);
			relayExported.set(key, n);
		}
	}
});

export const relayInflight = new Gauge({
	name: 'elygate_relay_inflight',
	help: 'Relay calls in progress (streams included).',
	registers: [registry],
	collect() {
		this.set(gaugeSources.inflight());
	}
});

export const ledgerQueueDepth = new Gauge({
	name: 'elygate_ledger_queue_depth',
	help: 'Settled calls waiting to be written.',
	registers: [registry],
	collect() {
		this.set(gaugeSources.ledgerDepth());
	}
});

export const ledgerFlushes = new Counter({
	name: 'elygate_ledger_flushes_total',
	help: 'Ledger flush attempts, by result.',
	labelNames: ['result'] as const,
	registers: [registry]
});

export const ledgerRows = new Counter({
	name: 'elygate_ledger_rows_total',
	help: 'Request log rows written by the ledger.',
	registers: [registry]
});

export const ledgerFlushSeconds = new Histogram({
	name: 'elygate_ledger_flush_seconds',
	help: 'Duration of one ledger flush transaction.',
	buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
	registers: [registry]
});
