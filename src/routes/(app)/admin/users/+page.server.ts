import { fail } from '@sveltejs/kit';
import * as z from 'zod';
import type { Notice } from '$lib/components/admin-settings/notice';
import { formatNumber } from '$lib/i18n/format';
import { m } from '$lib/paraglide/messages';
import { getLocale } from '$lib/paraglide/runtime';
import { usersBulkForm } from '$lib/schemas/user-admin-forms';
import { listUsers, setUsersEnabled, type UsersStatusOutcome } from '$lib/server/services/users';
import { plainRefusal } from '$lib/server/ui/admin-forms';
import { pageContext } from '$lib/server/ui/page-context';
import type { Actions, PageServerLoad } from './$types';

const PER_PAGE = 25;

const query = z.object({
	q: z.string().trim().max(100).catch(''),
	page: z.coerce.number().int().min(1).catch(1)
});

export const load: PageServerLoad = async (event) => {
	const { actor, svc, user: viewer } = pageContext(event, 'admin');
	const q = query.parse({ q: event.url.searchParams.get('q') ?? '', page: event.url.searchParams.get('page') ?? 1 });
	const page = await listUsers(svc, actor, { page: q.page, perPage: PER_PAGE, query: q.q });
	const viewerIsRoot = viewer.role === 'root';
	return {
		users: page.items.map((u) => ({
			id: u.id,
			username: u.username,
			displayName: u.displayName,
			email: u.email,
			role: u.role,
			group: u.group,
			status: u.status,
			quota: u.quota,
			usedQuota: u.usedQuota,
			requestCount: u.requestCount,
			lastLoginAt: u.lastLoginAt,
			// The single edit's rules: administrators and root are root's to change; nobody disables themselves.
			selectable: u.id !== viewer.id && (viewerIsRoot || u.role === 'user')
		})),
		total: page.total,
		page: q.page,
		perPage: PER_PAGE,
		q: q.q
	};
};

/** Names as the page's language lists them ("a, b and c", "a、b和c"). */
const list = (names: string[]) => new Intl.ListFormat(getLocale(), { type: 'conjunction' }).format(names);

/** One line saying what the bulk action did, and whom it left alone and why. */
function summary(outcome: UsersStatusOutcome, enabled: boolean): Notice {
	const parts: string[] = [];
	if (outcome.changed.length) {
		const names = list(outcome.changed.map((u) => u.username));
		parts.push(enabled ? m.users_bulk_enabled({ names }) : m.users_bulk_disabled({ names }));
	}
	if (outcome.unchanged.length) parts.push(m.users_bulk_unchanged({ names: list(outcome.unchanged.map((u) => u.username)) }));
	const rootOnly = outcome.skipped.filter((s) => s.reason === 'root_only').map((s) => s.user.username);
	if (rootOnly.length) parts.push(m.users_bulk_skipped_root_only({ names: list(rootOnly) }));
	if (outcome.skipped.some((s) => s.reason === 'self')) parts.push(m.users_bulk_skipped_self());
	if (outcome.missing.length) parts.push(m.users_bulk_missing({ count: formatNumber(outcome.missing.length) }));
	return { kind: outcome.skipped.length || outcome.missing.length ? 'error' : 'ok', text: parts.join(' ') };
}

export const actions: Actions = {
	bulk: async (event) => {
		const { actor, svc } = pageContext(event, 'admin');
		const body = await event.request.formData();
		const parsed = usersBulkForm.safeParse({
			ids: body.getAll('ids').map((v) => Number(v)),
			op: body.get('op')
		});
		if (!parsed.success) return fail(400, { bulk: { kind: 'error', text: m.users_bulk_bad_request() } satisfies Notice });
		if (parsed.data.ids.length === 0) return fail(400, { bulk: { kind: 'error', text: m.users_v_bulk_none() } satisfies Notice });
		const enabled = parsed.data.op === 'enable';
		try {
			const outcome = await setUsersEnabled(svc, actor, { ids: parsed.data.ids, enabled });
			return { bulk: summary(outcome, enabled) };
		} catch (err) {
			return plainRefusal(err);
		}
	}
};
