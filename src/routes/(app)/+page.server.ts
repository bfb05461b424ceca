import { summarizeFailure } from '$lib/activity/reasons';
import { listLogs } from '$lib/server/services/logs';
import { getUsage } from '$lib/server/services/usage';
import { snapshot } from '$lib/server/state/store';
import { pageContext } from '$lib/server/ui/page-context';
import type { PageServerLoad } from './$types';

const DAY_MS = 86_400_000;
const isoDay = (ms: number) => new Date(ms).toISOString().slice(0, 10);

export const load: PageServerLoad = async (event) => {
	const { user, actor, svc } = pageContext(event, 'user');
	const now = Date.now();
	const today = isoDay(now);
	// The rollup counts UTC days: "today" and the windows end with the current UTC day.
	const [day, week, month, failures] = await Promise.all([
		getUsage(svc, actor, { from: today, to: today }),
		getUsage(svc, actor, { from: isoDay(now - 6 * DAY_MS), to: today }),
		getUsage(svc, actor, { from: isoDay(now - 29 * DAY_MS), to: today, groupBy: 'day,model' }),
		listLogs(svc, actor, { status: 'error', limit: 5 })
	]);
	// The snapshot's balance includes calls settled since the session was read.
	const balance = snapshot().users.get(user.id)?.quota ?? user.quota;
	return {
		balance,
		windows: [
			{ label: 'Today', from: day.from, to: day.to, totals: day.totals },
			{ label: 'Last 7 days', from: week.from, to: week.to, totals: week.totals },
			{ label: 'Last 30 days', from: month.from, to: month.to, totals: month.totals }
		],
		daily: { from: month.from, to: month.to, rows: month.rows.map((r) => ({ day: r.day ?? '', model: r.model ?? '', cost: r.cost })) },
		// Refusals included (a cost-0 row per refused call): the reason in the page's language, with its code.
		failures: failures.items.map(summarizeFailure)
	};
};
