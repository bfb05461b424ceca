import { listApiKeys } from '$lib/server/services/api-keys';
import { listChannels } from '$lib/server/services/channels';
import { ServiceError } from '$lib/server/services/errors';
import { listLogs, resolveLogNames, type LogPage } from '$lib/server/services/logs';
import { getUser, listUsers } from '$lib/server/services/users';
import { localToIso } from '$lib/schemas/admin-ui';
import { pageContext } from '$lib/server/ui/page-context';
import type { PageServerLoad } from './$types';

const PER_PAGE = 50;
/** Names offered while typing a user or a key (any other name or id can still be typed). */
const SUGGESTIONS = 100;
/** The form's fields, and the service's names for the same filters. */
const FIELDS = ['user', 'key', 'model', 'channelId', 'status', 'from', 'to'] as const;
const FIELD_OF: Record<string, string> = { userId: 'user', keyId: 'key' };

/**
 * The filter form's values as typed (kept in the URL, so every view is a link). A user or key
 * is a name or an id; links from elsewhere may give `userId` / `keyId` instead.
 */
function filtersOf(url: URL) {
	const get = (k: string) => url.searchParams.get(k)?.trim() ?? '';
	const tz = get('tzOffset') || get('tz');
	return {
		user: get('user') || (/^\d+$/.test(get('userId')) ? `#${get('userId')}` : ''),
		key: get('key') || (/^\d+$/.test(get('keyId')) ? `#${get('keyId')}` : ''),
		model: get('model'),
		channelId: get('channelId'),
		status: get('status'),
		from: get('from'),
		to: get('to'),
		tz: /^-?\d{1,4}$/.test(tz) ? tz : ''
	};
}

export const load: PageServerLoad = async (event) => {
	const { actor, svc: ctx } = pageContext(event, 'admin');
	const filters = filtersOf(event.url);
	const before = event.url.searchParams.get('before') ?? undefined;
	const tz = Number.parseInt(filters.tz || '0', 10) || 0;

	let page: LogPage = { items: [], next: null };
	let error: { field: string | null; message: string } | null = null;
	const query: Record<string, string> = {};
	let userId: number | undefined;
	try {
		// A user or key is named by name or id; a name that matches nothing matches nobody rather than everybody.
		const ids = await resolveLogNames(ctx, actor, { user: filters.user, key: filters.key });
		userId = ids.userId;
		if (ids.userId !== undefined) query.userId = String(ids.userId);
		if (ids.keyId !== undefined) query.keyId = String(ids.keyId);
		if (filters.model) query.model = filters.model;
		if (filters.channelId) query.channelId = filters.channelId;
		if (filters.status) query.status = filters.status;
		const from = localToIso(filters.from, tz);
		const to = localToIso(filters.to, tz);
		if (from) query.from = from;
		if (to) query.to = to;
		page = await listLogs(ctx, actor, { ...query, limit: PER_PAGE, before });
	} catch (err) {
		if (!(err instanceof ServiceError)) throw err;
		const field = err.field ? (FIELD_OF[err.field] ?? err.field) : null;
		error = { field, message: field ? err.localizedDetail() : err.localizedMessage() };
	}
	const [channels, users, keys, named] = await Promise.all([
		listChannels(ctx, actor, { page: 1, perPage: 200 }),
		listUsers(ctx, actor, { page: 1, perPage: SUGGESTIONS }),
		userId === undefined ? undefined : listApiKeys(ctx, actor, userId, { page: 1, perPage: SUGGESTIONS }).catch(() => undefined),
		// A user given by id (a link from their page) shows in the form by name.
		userId !== undefined && /^#?\d+$/.test(filters.user) ? getUser(ctx, actor, userId).catch(() => undefined) : undefined
	]);
	return {
		page,
		filters: named ? { ...filters, user: named.username } : filters,
		error,
		fields: FIELDS,
		before: before ?? null,
		channels: channels.items.map((c) => ({ id: c.id, name: c.name })),
		usernames: users.items.map((u) => u.username).sort((a, b) => a.localeCompare(b)),
		keyNames: [...new Set((keys?.items ?? []).map((k) => k.name))].sort((a, b) => a.localeCompare(b)),
		csvHref: `/api/logs?${new URLSearchParams({ format: 'csv', ...query })}`
	};
};
