import { m } from '../../paraglide/messages';
import { formatNumber } from '../../i18n/format';
import type { UsageRow } from '../services/usage';

export const OVERVIEW_METRICS = ['requests', 'spend', 'tokens', 'errors'] as const;
export type OverviewMetric = (typeof OVERVIEW_METRICS)[number];

export interface SeriesTotals {
	key: string;
	label: string;
	requests: number;
	failures: number;
	tokens: number;
	cost: number;
}

/** Daily values per series, ready for a chart and for its table. */
export interface Breakdown {
	days: string[];
	series: SeriesTotals[];
	/** values[s][d]: series s on day d, in the metric's unit (requests, quota, tokens, % failed). */
	values: number[][];
}

const MAX_SERIES = 6;

/**
 * Groups a day × dimension usage report into at most six series (the largest by spend, then
 * requests) plus "Other", with the chosen metric per day.
 */
export function breakdown(rows: UsageRow[], days: string[], keyOf: (row: UsageRow) => string, labelOf: (key: string) => string, metric: OverviewMetric): Breakdown {
	const totals = new Map<string, SeriesTotals>();
	for (const row of rows) {
		const key = keyOf(row);
		const t = totals.get(key) ?? { key, label: labelOf(key), requests: 0, failures: 0, tokens: 0, cost: 0 };
		t.requests += row.requests;
		t.failures += row.failures;
		t.tokens += row.promptTokens + row.completionTokens;
		t.cost += row.cost;
		totals.set(key, t);
	}
	const ranked = [...totals.values()].sort((a, b) => b.cost - a.cost || b.requests - a.requests || a.label.localeCompare(b.label));
	const kept = ranked.slice(0, MAX_SERIES);
	const rest = ranked.slice(MAX_SERIES);
	const series = [...kept];
	if (rest.length) {
		series.push(
			rest.reduce((o, t) => ({ ...o, requests: o.requests + t.requests, failures: o.failures + t.failures, tokens: o.tokens + t.tokens, cost: o.cost + t.cost }), {
				key: '__other',
				label: m.overview_series_others({ count: formatNumber(rest.length) }),
				requests: 0,
				failures: 0,
				tokens: 0,
				cost: 0
			})
		);
	}
	const index = new Map(kept.map((s, i) => [s.key, i]));
	const dayIndex = new Map(days.map((d, i) => [d, i]));
	const acc = series.map(() => days.map(() => ({ requests: 0, failures: 0, tokens: 0, cost: 0 })));
	for (const row of rows) {
		const s = index.get(keyOf(row)) ?? series.length - 1;
		const d = dayIndex.get(row.day ?? '');
		if (d === undefined || !acc[s]) continue;
		const cell = acc[s][d]!;
		cell.requests += row.requests;
		cell.failures += row.failures;
		cell.tokens += row.promptTokens + row.completionTokens;
		cell.cost += row.cost;
	}
	const values = acc.map((perDay) =>
		perDay.map((c) =>
			metric === 'requests' ? c.requests : metric === 'spend' ? c.cost : metric === 'tokens' ? c.tokens : c.requests ? Math.round((c.failures / c.requests) * 1000) / 10 : 0
		)
	);
	return { days, series, values };
}
