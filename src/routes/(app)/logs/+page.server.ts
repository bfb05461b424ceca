import { setError, superValidate } from 'sveltekit-superforms';
import { zod4 } from 'sveltekit-superforms/adapters';
import { logFilterForm, logQueryOf } from '$lib/activity/log-filters';
import { snapshot } from '$lib/server/state/store';
import { visibleModels } from '$lib/server/relay/select';
import { listApiKeys } from '$lib/server/services/api-keys';
import { ServiceError } from '$lib/server/services/errors';
import { listLogs, type LogPage } from '$lib/server/services/logs';
import { pageContext } from '$lib/server/ui/page-context';
import type { PageServerLoad } from './$types';

const PER_PAGE = 25;
/** Cursors of the newer pages, kept in the URL so "Newer" works without state (capped). */
const TRAIL_MAX = 40;
const CURSOR = /^req_[0-9A-HJKMNP-TV-Z]{26}$/;
const FIELDS = ['key', 'model', 'status', 'from', 'to'] as const;

export const load: PageServerLoad = async (event) => {
	const { user, actor, svc } = pageContext(event, 'user');
	const filter = await superValidate(event.url, zod4(logFilterForm), { errors: true });
	const params = event.url.searchParams;
	const before = CURSOR.test(params.get('before') ?? '') ? (params.get('before') as string) : undefined;
	const trail = (params.get('trail') ?? '').split(',').filter((c) => c === 'top' || CURSOR.test(c)).slice(-TRAIL_MAX);

	const keys = await listApiKeys(svc, actor, user.id, { page: 1, perPage: 100 });
	const models = [...visibleModels(snapshot(), user.group, null).keys()].sort();

	let logs: LogPage = { items: [], next: null };
	if (filter.valid) {
		try {
			logs = await listLogs(svc, actor, { ...logQueryOf(filter.data), before, limit: PER_PAGE });
		} catch (err) {
			if (!(err instanceof ServiceError) || err.code !== 'invalid_request') throw err;
			const field = FIELDS.find((f) => f === err.field) ?? (err.field === 'keyId' ? 'key' : 'to');
			setError(filter, field, err.localizedDetail());
		}
	}
	return {
		filter,
		logs,
		before: before ?? null,
		trail,
		keys: keys.items.map((k) => ({ id: k.id, name: k.name, prefix: k.prefix })),
		models,
		filtered: FIELDS.some((f) => (params.get(f) ?? '') !== '')
	};
};
