import { error } from '@sveltejs/kit';
import { requireAdmin } from '$lib/server/auth/guards';
import { ServiceError } from '$lib/server/services/errors';
import { getLog } from '$lib/server/services/logs';
import { actorOf, serviceContext } from '$lib/server/ui/admin-forms';
import type { PageServerLoad } from './$types';

export const load: PageServerLoad = async (event) => {
	const actor = actorOf(requireAdmin(event));
	try {
		return { log: await getLog(serviceContext(), actor, event.params.requestId) };
	} catch (err) {
		if (err instanceof ServiceError) error(err.status, err.message);
		throw err;
	}
};
