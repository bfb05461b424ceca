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

export const ledgerFlushes = new Counter({
	name: 'elygate_ledger_flushes_total',
	help: 'Ledger write transactions, by result: ok, error (retried later) or rejected (refused for its data, so split to find the entries at fault).',
	labelNames: ['result'] as const,
	registers: [registry]
});

export const ledgerRows = new Counter({
	name: 'elygate_ledger_rows_total',
	help: 'Request log rows written by the ledger.',
	registers: [registry]
});

export const ledgerDeadLetters = new Counter({
	name: 'elygate_ledger_dead_letters_total',
	help: 'Settled calls the database refused to record, set aside in ledger_dead_letters uncharged. Alert on any increase.',
	registers: [registry]
});

export const ledgerUsageClamped = new Counter({
	name: 'elygate_ledger_usage_clamped_total',
	help: "Calls whose upstream usage (or the cost it implied) was malformed or beyond the per-call ceiling, billed at the bound.",
	registers: [registry]
});

export const ledgerBatchRows = new Histogram({
	name: 'elygate_ledger_batch_rows',
	help: 'Entries written per ledger flush transaction.',
	buckets: [1, 10, 50, 100, 250, 500, 1000],
	registers: [registry]
});

export const ledgerFlushSeconds = new Histogram({
	name: 'elygate_ledger_flush_seconds',
	help: 'Duration of one ledger flush transaction.',
	buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
	registers: [registry]
});
