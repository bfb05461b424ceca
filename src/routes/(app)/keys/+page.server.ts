import { listApiKeys } from '$lib/server/services/api-keys';
import { pageQuery } from '$lib/schemas/common';
import { pageContext } from '$lib/server/ui/page-context';
import type { Actions, PageServerLoad } from './$types';
import { orErrorPage, toggleKey } from './keys.server';

const PER_PAGE = 20;

export const load: PageServerLoad = async (event) => {
	const { user, svc, actor } = pageContext(event, 'user');
	const query = pageQuery.safeParse({ page: event.url.searchParams.get('page') ?? undefined, perPage: PER_PAGE });
	const page = await orErrorPage(listApiKeys(svc, actor, user.id, query.success ? query.data : { page: 1, perPage: PER_PAGE }));
	return { keys: page, now: Date.now() };
};

export const actions: Actions = {
	toggle: toggleKey
};
