import { error, fail } from '@sveltejs/kit';
import { message, superValidate } from 'sveltekit-superforms';
import { zod4 } from 'sveltekit-superforms/adapters';
import type { Notice } from '$lib/components/admin-settings/notice';
import { QUOTA_PER_USD, formatUsd } from '$lib/money';
import { m } from '$lib/paraglide/messages';
import { balanceAdjustForm, userEditForm } from '$lib/schemas/user-admin-forms';
import { groupNames } from '$lib/server/admin/channel-actions';
import { adjustBalance, balanceHistory } from '$lib/server/services/balances';
import { ServiceError } from '$lib/server/services/errors';
import { getUser, updateUser } from '$lib/server/services/users';
import { refusal } from '$lib/server/ui/admin-forms';
import { pageContext } from '$lib/server/ui/page-context';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = async (event) => {
	const { actor, svc, user: viewer } = pageContext(event, 'admin');
	const id = Number(event.params.id);
	const user = await getUser(svc, actor, id).catch((err: unknown) => {
		if (err instanceof ServiceError && err.code === 'not_found') error(404, m.users_not_found_page());
		throw err;
	});
	const history = await balanceHistory(svc, actor, id, { limit: 10 });
	return {
		person: {
			id: user.id,
			username: user.username,
			displayName: user.displayName,
			email: user.email,
			role: user.role,
			group: user.group,
			status: user.status,
			quota: user.quota,
			usedQuota: user.usedQuota,
			requestCount: user.requestCount,
			createdAt: user.createdAt,
			lastLoginAt: user.lastLoginAt
		},
		history: history.items,
		groups: await groupNames(svc, actor),
		viewerRole: viewer.role === 'root' ? 'root' : 'admin',
		isSelf: actor.kind === 'user' && actor.id === id,
		created: event.url.searchParams.has('created'),
		edit: await superValidate({ role: user.role, group: user.group, status: user.status }, zod4(userEditForm), { id: 'edit', errors: false }),
		balance: await superValidate(zod4(balanceAdjustForm), { id: 'balance', errors: false })
	};
};

export const actions: Actions = {
	edit: async (event) => {
		const { actor, svc } = pageContext(event, 'admin');
		const form = await superValidate(event.request, zod4(userEditForm), { id: 'edit' });
		if (!form.valid) return fail(400, { edit: form });
		try {
			await updateUser(svc, actor, Number(event.params.id), { role: form.data.role, group: form.data.group, enabled: form.data.status === 'active' });
		} catch (err) {
			return refusal(form, err, { enabled: 'status' });
		}
		return message(form, { kind: 'ok', text: m.users_saved() } satisfies Notice);
	},
	balance: async (event) => {
		const { actor, svc } = pageContext(event, 'admin');
		const form = await superValidate(event.request, zod4(balanceAdjustForm), { id: 'balance' });
		if (!form.valid) return fail(400, { balance: form });
		const delta = Math.round(form.data.amountUsd * QUOTA_PER_USD);
		try {
			const after = await adjustBalance(svc, actor, Number(event.params.id), { delta, reason: form.data.reason });
			form.data.amountUsd = 0;
			form.data.reason = '';
			const balance = formatUsd(after.balance);
			return message(form, { kind: 'ok', text: delta > 0 ? m.users_balance_credited({ balance }) : m.users_balance_debited({ balance }) } satisfies Notice);
		} catch (err) {
			return refusal(form, err, { delta: 'amountUsd' });
		}
	}
};
