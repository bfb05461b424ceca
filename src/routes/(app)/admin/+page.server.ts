import { services } from '$lib/server/app/services';
import { systemInfo } from '$lib/server/admin/system-info';
import { OVERVIEW_METRICS, breakdown, type OverviewMetric } from '$lib/server/admin/overview';
import { relayContextIfConfigured } from '$lib/server/relay/context';
import { activeCalls } from '$lib/server/relay/inflight';
import { listChannels } from '$lib/server/services/channels';
import { getZonedUsage } from '$lib/server/services/usage';
import { getUser } from '$lib/server/services/users';
import { ELYGATE_VERSION } from '$lib/version';
import { dayZone } from '$lib/server/ui/day-zone';
import { pageContext } from '$lib/server/ui/page-context';
import { m } from '$lib/paraglide/messages';
import { addDays, dayIn, daysFrom } from '$lib/time-zone';
import type { PageServerLoad } from './$types';

const RANGES = [7, 30, 90] as const;
const TOP_USERS = 10;

export const load: PageServerLoad = async (event) => {
	const { actor, svc } = pageContext(event, 'admin');
	const asked = Number(event.url.searchParams.get('days'));
	const days = (RANGES as readonly number[]).includes(asked) ? asked : 7;
	const askedMetric = event.url.searchParams.get('metric');
	const metric: OverviewMetric = OVERVIEW_METRICS.includes(askedMetric as OverviewMetric) ? (askedMetric as OverviewMetric) : 'requests';
	// The period ends with the viewer's today (or UTC's, as root chose).
	const zone = dayZone(event.cookies);
	const to = dayIn(zone.zone, Date.now());
	const from = addDays(to, 1 - days);
	const usage = (groupBy: Array<'day' | 'model' | 'channel' | 'user'>) => getZonedUsage(svc, actor, { zone: zone.zone, from, to, groupBy });

	const [byModel, byChannel, byUser, channels, info] = await Promise.all([
		usage(['day', 'model']),
		usage(['day', 'channel']),
		usage(['user']),
		listChannels(svc, actor, { page: 1, perPage: 200 }),
		systemInfo(services().database)
	]);
	const channelNames = new Map(channels.items.map((c) => [String(c.id), c.name]));
	const top = byUser.rows
		.filter((r) => r.userId !== undefined)
		.sort((a, b) => b.cost - a.cost || b.requests - a.requests)
		.slice(0, TOP_USERS);
	const names = await Promise.all(top.map((r) => getUser(svc, actor, r.userId!).then((u) => u.username, () => m.overview_user_gone({ id: String(r.userId) }))));
	const dayList = daysFrom(from, to);
	const relay = relayContextIfConfigured();

	return {
		days,
		ranges: RANGES,
		metric,
		from,
		to,
		dayZone: zone,
		totals: byModel.totals,
		models: breakdown(byModel.rows, dayList, (r) => r.model ?? '', (k) => k || m.overview_unknown_model(), metric),
		channels: breakdown(
			byChannel.rows,
			dayList,
			(r) => String(r.channelId ?? ''),
			(k) => channelNames.get(k) ?? (k && k !== '0' ? m.overview_channel_deleted({ id: k }) : m.overview_no_channel()),
			metric
		),
		topUsers: top.map((r, i) => ({ id: r.userId!, username: names[i]!, requests: r.requests, failures: r.failures, cost: r.cost, tokens: r.promptTokens + r.completionTokens })),
		live: { queueDepth: relay?.ledger.depth ?? null, inFlight: activeCalls() },
		info,
		version: ELYGATE_VERSION
	};
};
