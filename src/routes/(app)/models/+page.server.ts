import { visibleModels } from '$lib/server/relay/select';
import { snapshot } from '$lib/server/state/store';
import { pageContext } from '$lib/server/ui/page-context';
import { userPrice } from '$lib/components/models/prices';
import type { PageServerLoad } from './$types';

const PER_PAGE = 50;

export const load: PageServerLoad = async (event) => {
	const { user } = pageContext(event, 'user');
	const snap = snapshot();
	const group = snap.users.get(user.id)?.group ?? user.group;
	const groupRatio = snap.groups.get(group)?.ratio ?? 1;
	const q = (event.url.searchParams.get('q') ?? '').trim().slice(0, 200);
	const needle = q.toLowerCase();
	const all = [...visibleModels(snap, group, null).keys()].sort((a, b) => a.localeCompare(b));
	const matching = needle ? all.filter((m) => m.toLowerCase().includes(needle)) : all;
	const pages = Math.max(1, Math.ceil(matching.length / PER_PAGE));
	const requested = Number.parseInt(event.url.searchParams.get('page') ?? '1', 10);
	const page = Number.isFinite(requested) ? Math.min(Math.max(requested, 1), pages) : 1;
	const models = matching.slice((page - 1) * PER_PAGE, page * PER_PAGE).map((model) => ({ model, price: userPrice(snap.prices.get(model) ?? null, groupRatio) }));
	return { group, groupRatio, q, models, total: matching.length, available: all.length, page, perPage: PER_PAGE };
};
