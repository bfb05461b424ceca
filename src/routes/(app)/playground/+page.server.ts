import { visibleModels } from '$lib/server/relay/select';
import { listApiKeys } from '$lib/server/services/api-keys';
import { snapshot } from '$lib/server/state/store';
import { pageContext } from '$lib/server/ui/page-context';
import type { PageServerLoad } from './$types';

export const load: PageServerLoad = async (event) => {
	const { user, actor, svc } = pageContext(event, 'user');
	const keys = await listApiKeys(svc, actor, user.id, { page: 1, perPage: 100 });
	const now = Date.now();
	const usable = keys.items.filter((k) => k.status === 'active' && (k.expiresAt === null || k.expiresAt.getTime() > now));
	return {
		keys: usable.map((k) => ({ id: k.id, name: k.name, prefix: k.prefix, allowedModels: k.allowedModels })),
		models: [...visibleModels(snapshot(), user.group, null).keys()].sort()
	};
};
