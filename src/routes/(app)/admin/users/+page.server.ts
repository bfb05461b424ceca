import * as z from 'zod';
import { listUsers } from '$lib/server/services/users';
import { pageContext } from '$lib/server/ui/page-context';
import type { PageServerLoad } from './$types';

const PER_PAGE = 25;

const query = z.object({
	q: z.string().trim().max(100).catch(''),
	page: z.coerce.number().int().min(1).catch(1)
});

export const load: PageServerLoad = async (event) => {
	const { actor, svc } = pageContext(event, 'admin');
	const q = query.parse({ q: event.url.searchParams.get('q') ?? '', page: event.url.searchParams.get('page') ?? 1 });
	const page = await listUsers(svc, actor, { page: q.page, perPage: PER_PAGE, query: q.q });
	return {
		users: page.items.map((u) => ({
			id: u.id,
			username: u.username,
			email: u.email,
			role: u.role,
			group: u.group,
			status: u.status,
			quota: u.quota,
			usedQuota: u.usedQuota,
			requestCount: u.requestCount,
			lastLoginAt: u.lastLoginAt
		})),
		total: page.total,
		page: q.page,
		perPage: PER_PAGE,
		q: q.q
	};
};
