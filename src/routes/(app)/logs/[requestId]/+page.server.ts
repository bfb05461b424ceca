import { error } from '@sveltejs/kit';
import { m } from '$lib/paraglide/messages';
import { ServiceError } from '$lib/server/services/errors';
import { getLog } from '$lib/server/services/logs';
import { pageContext } from '$lib/server/ui/page-context';
import type { PageServerLoad } from './$types';

export const load: PageServerLoad = async (event) => {
	const { actor, svc } = pageContext(event, 'user');
	if (!/^req_[0-9A-HJKMNP-TV-Z]{26}$/.test(event.params.requestId)) error(404, m.logs_no_such_call());
	try {
		// Users see their own calls only: another user's id is not found, not forbidden.
		return { log: await getLog(svc, actor, event.params.requestId) };
	} catch (err) {
		if (err instanceof ServiceError && err.code === 'not_found') error(404, m.logs_no_such_call());
		throw err;
	}
};
