import { services } from '$lib/server/app/services';
import { systemInfo } from '$lib/server/admin/system-info';
import { OVERVIEW_METRICS, breakdown, daysBetween, type OverviewMetric } from '$lib/server/admin/overview';
import { relayContextIfConfigured } from '$lib/server/relay/context';
import { activeCalls } from '$lib/server/relay/inflight';
import { listChannels } from '$lib/server/services/channels';
import { getUsage } from '$lib/server/services/usage';
import { getUser } from '$lib/server/services/users';
import { ELYGATE_VERSION } from '$lib/version';
import { pageContext } from '$lib/server/ui/page-context';
import type { PageServerLoad } from './$types';

const RANGES = [7, 30, 90] as const;
const DAY_MS = 86_400_000;
const TOP_USERS = 10;

export const load: PageServerLoad = async (event) => {
	const { actor, svc } = pageContext(event, 'admin');
	const asked = Number(event.url.searchParams.get('days'));
	const days = (RANGES as readonly number[]).includes(asked) ? asked : 7;
	const askedMetric = event.url.searchParams.get('metric');
	const metric: OverviewMetric = OVERVIEW_METRICS.includes(askedMetric as OverviewMetric) ? (askedMetric as OverviewMetric) : 'requests';
	const to = new Date().toISOString().slice(0, 10);
	const from = new Date(Date.parse(to) - (days - 1) * DAY_MS).toISOString().slice(0, 10);

	const [byModel, byChannel, byUser, channels, info] = await Promise.all([
		getUsage(svc, actor, { from, to, groupBy: 'day,model' }),
		getUsage(svc, actor, { from, to, groupBy: 'day,channel' }),
		getUsage(svc, actor, { from, to, groupBy: 'user' }),
		listChannels(svc, actor, { page: 1, perPage: 200 }),
		systemInfo(services().database)
	]);
	const channelNames = new Map(channels.items.map((c) => [String(c.id), c.name]));
	const top = byUser.rows
		.filter((r) => r.userId !== undefined)
		.sort((a, b) => b.cost - a.cost || b.requests - a.requests)
		.slice(0, TOP_USERS);
	const names = await Promise.all(top.map((r) => getUser(svc, actor, r.userId!).then((u) => u.username, () => `User #${r.userId}`)));
	const dayList = daysBetween(from, to);
	const relay = relayContextIfConfigured();

	return {
		days,
		ranges: RANGES,
		metric,
		from,
		to,
		totals: byModel.totals,
		models: breakdown(byModel.rows, dayList, (r) => r.model ?? '', (k) => k || '(unknown)', metric),
		channels: breakdown(
			byChannel.rows,
			dayList,
			(r) => String(r.channelId ?? ''),
			(k) => channelNames.get(k) ?? (k ? `Channel #${k} (deleted)` : 'No channel'),
			metric
		),
		topUsers: top.map((r, i) => ({ id: r.userId!, username: names[i]!, requests: r.requests, failures: r.failures, cost: r.cost, tokens: r.promptTokens + r.completionTokens })),
		live: { queueDepth: relay?.ledger.depth ?? null, inFlight: activeCalls() },
		info,
		version: ELYGATE_VERSION
	};
};
