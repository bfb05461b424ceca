import { summarizeFailure } from '$lib/activity/reasons';
import { setupChecklist } from '$lib/server/admin/checklist';
import { listLogs } from '$lib/server/services/logs';
import { paymentOffer } from '$lib/server/services/payments';
import { getZonedUsage } from '$lib/server/services/usage';
import { snapshot } from '$lib/server/state/store';
import { dayZone } from '$lib/server/ui/day-zone';
import { pageContext } from '$lib/server/ui/page-context';
import { usageWindows } from '$lib/components/dashboard/windows';
import { addDays, dayIn } from '$lib/time-zone';
import type { PageServerLoad } from './$types';

export const load: PageServerLoad = async (event) => {
	const { user, actor, svc } = pageContext(event, 'user');
	const isAdmin = user.role === 'admin' || user.role === 'root';
	// "Today" is the viewer's day (or UTC, as root chose); the windows end with it.
	const zone = dayZone(event.cookies);
	const today = dayIn(zone.zone, Date.now());
	const [month, failures, checklist] = await Promise.all([
		getZonedUsage(svc, actor, { zone: zone.zone, from: addDays(today, -29), to: today, groupBy: ['day', 'model'], userId: user.id }),
		listLogs(svc, actor, { status: 'error', limit: 5 }),
		isAdmin ? paymentOffer(svc).then((offer) => setupChecklist(svc.db, { options: snapshot().options, paymentsEnabled: offer.enabled, viewerId: user.id })) : null
	]);
	// The snapshot's balance includes calls settled since the session was read.
	const balance = snapshot().users.get(user.id)?.quota ?? user.quota;
	return {
		balance,
		dayZone: zone,
		checklist,
		windows: usageWindows(month.rows, today),
		daily: { from: month.from, to: month.to, rows: month.rows.map((r) => ({ day: r.day ?? '', model: r.model ?? '', cost: r.cost })) },
		// Refusals included (a cost-0 row per refused call): the reason in the page's language, with its code.
		failures: failures.items.map(summarizeFailure)
	};
};
