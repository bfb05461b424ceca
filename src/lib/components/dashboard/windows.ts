import { addDays } from '$lib/time-zone';

export interface WindowTotals {
	requests: number;
	failures: number;
	promptTokens: number;
	completionTokens: number;
	cost: number;
}

export interface UsageWindow {
	/** today, last 7 days, last 30 days */
	key: 'today' | 'week' | 'month';
	from: string;
	to: string;
	totals: WindowTotals;
}

const LENGTHS = { today: 1, week: 7, month: 30 } as const;

/** Today, the last 7 and the last 30 days (each ending today), summed from rows by day. */
export function usageWindows(rows: ReadonlyArray<WindowTotals & { day?: string }>, today: string): UsageWindow[] {
	return (Object.keys(LENGTHS) as UsageWindow['key'][]).map((key) => {
		const from = addDays(today, 1 - LENGTHS[key]);
		const totals: WindowTotals = { requests: 0, failures: 0, promptTokens: 0, completionTokens: 0, cost: 0 };
		for (const r of rows) {
			if (!r.day || r.day < from || r.day > today) continue;
			totals.requests += r.requests;
			totals.failures += r.failures;
			totals.promptTokens += r.promptTokens;
			totals.completionTokens += r.completionTokens;
			totals.cost += r.cost;
		}
		return { key, from, to: today, totals };
	});
}
