import { listChannels } from '$lib/server/services/channels';
import { ServiceError } from '$lib/server/services/errors';
import { listLogs, type LogPage } from '$lib/server/services/logs';
import { listUsers } from '$lib/server/services/users';
import { localToIso } from '$lib/schemas/admin-ui';
import { pageContext } from '$lib/server/ui/page-context';
import type { PageServerLoad } from './$types';

const PER_PAGE = 50;

/** The filter form's values as typed (kept in the URL, so every view is a link). */
function filtersOf(url: URL) {
	const get = (k: string) => url.searchParams.get(k)?.trim() ?? '';
	return { user: get('user'), keyId: get('keyId'), model: get('model'), channelId: get('channelId'), status: get('status'), from: get('from'), to: get('to'), tz: get('tz') };
}

export const load: PageServerLoad = async (event) => {
	const { actor, svc: ctx } = pageContext(event, 'admin');
	const filters = filtersOf(event.url);
	const before = event.url.searchParams.get('before') ?? undefined;
	const tz = Number.parseInt(filters.tz || '0', 10) || 0;

	// A user is named by username or id; an unknown name matches nobody rather than everybody.
	let userId: string | undefined;
	let userError: string | null = null;
	if (/^\d+$/.test(filters.user)) userId = filters.user;
	else if (filters.user) {
		const found = await listUsers(ctx, actor, { page: 1, perPage: 50, query: filters.user });
		const match = found.items.find((u) => u.username.toLowerCase() === filters.user.toLowerCase());
		if (match) userId = String(match.id);
		else userError = `There is no user “${filters.user}”.`;
	}

	const query: Record<string, string> = {};
	if (userId) query.userId = userId;
	if (filters.keyId) query.keyId = filters.keyId;
	if (filters.model) query.model = filters.model;
	if (filters.channelId) query.channelId = filters.channelId;
	if (filters.status) query.status = filters.status;
	const from = localToIso(filters.from, tz);
	const to = localToIso(filters.to, tz);
	if (from) query.from = from;
	if (to) query.to = to;

	let page: LogPage = { items: [], next: null };
	let error: { field: string | null; message: string } | null = userError ? { field: 'user', message: userError } : null;
	if (!error) {
		try {
			page = await listLogs(ctx, actor, { ...query, limit: PER_PAGE, before });
		} catch (err) {
			if (!(err instanceof ServiceError)) throw err;
			error = { field: err.field ?? null, message: err.detail };
		}
	}
	const channels = await listChannels(ctx, actor, { page: 1, perPage: 200 });
	return {
		page,
		filters,
		error,
		before: before ?? null,
		channels: channels.items.map((c) => ({ id: c.id, name: c.name })),
		csvHref: `/api/logs?${new URLSearchParams({ format: 'csv', ...query })}`
	};
};
