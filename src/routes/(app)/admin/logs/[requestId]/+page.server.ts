import { error } from '@sveltejs/kit';
import { ServiceError } from '$lib/server/services/errors';
import { getLog } from '$lib/server/services/logs';
import { pageContext } from '$lib/server/ui/page-context';
import type { PageServerLoad } from './$types';

export const load: PageServerLoad = async (event) => {
	const { actor, svc } = pageContext(event, 'admin');
	try {
		return { log: await getLog(svc, actor, event.params.requestId) };
	} catch (err) {
		if (err instanceof ServiceError) error(err.status, err.localizedMessage());
		throw err;
	}
};
