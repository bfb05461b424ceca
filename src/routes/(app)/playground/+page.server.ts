import { services } from '$lib/server/app/services';
import { requireUser } from '$lib/server/auth/guards';
import { visibleModels } from '$lib/server/relay/select';
import { listApiKeys } from '$lib/server/services/api-keys';
import { snapshot } from '$lib/server/state/store';
import { userActor } from '$lib/server/ui/actor';
import type { PageServerLoad } from './$types';

export const load: PageServerLoad = async (event) => {
	const user = requireUser(event);
	const keys = await listApiKeys(services(), userActor(user), user.id, { page: 1, perPage: 100 });
	const now = Date.now();
	const usable = keys.items.filter((k) => k.status === 'active' && (k.expiresAt === null || k.expiresAt.getTime() > now));
	return {
		keys: usable.map((k) => ({ id: k.id, name: k.name, prefix: k.prefix, allowedModels: k.allowedModels })),
		models: [...visibleModels(snapshot(), user.group, null).keys()].sort()
	};
};
