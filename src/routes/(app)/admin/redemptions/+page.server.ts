import { fail } from '@sveltejs/kit';
import { message, superValidate } from 'sveltekit-superforms';
import { zod4 } from 'sveltekit-superforms/adapters';
import { formatNumber } from '$lib/i18n/format';
import { formatUsdAmount } from '$lib/money';
import { m } from '$lib/paraglide/messages';
import { createRedemptionCodes, disableRedemptionCode, listRedemptionCodes } from '$lib/server/services/redemptions';
import { plainRefusal, refusal } from '$lib/server/ui/admin-forms';
import { lookUpUser, userSuggestions } from '$lib/server/ui/user-lookup';
import { localToIso, redemptionForm } from '$lib/schemas/admin-ui';
import { redemptionListQuery } from '$lib/schemas/billing';
import type { Notice } from '$lib/components/admin-settings/notice';
import { pageContext } from '$lib/server/ui/page-context';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = async (event) => {
	const { actor, svc } = pageContext(event, 'admin');
	const params = event.url.searchParams;
	const raw = Object.fromEntries([...params].filter(([k, v]) => v !== '' && k !== 'redeemer' && k !== 'redeemedBy'));
	const parsed = redemptionListQuery.safeParse({ perPage: 25, ...raw });
	const query = parsed.success ? parsed.data : redemptionListQuery.parse({ perPage: 25 });
	// "Redeemed by" is a username (an id still works, for links made before).
	const redeemer = await lookUpUser(svc, actor, params.get('redeemer') ?? params.get('redeemedBy') ?? '');
	const redeemerError = redeemer && 'error' in redeemer ? redeemer.error : null;
	if (redeemer && 'id' in redeemer) query.redeemedBy = redeemer.id;
	const list = redeemerError
		? { items: [], total: 0, page: query.page, perPage: query.perPage }
		: await listRedemptionCodes(svc, actor, query);
	const exportParams = new URLSearchParams({ format: 'csv' });
	if (query.status) exportParams.set('status', query.status);
	if (query.name) exportParams.set('name', query.name);
	if (query.redeemedBy) exportParams.set('redeemedBy', String(query.redeemedBy));
	return {
		list,
		filters: {
			status: query.status ?? '',
			name: query.name ?? '',
			redeemer: redeemer && 'username' in redeemer ? redeemer.username : (params.get('redeemer') ?? '')
		},
		redeemerError,
		usernames: await userSuggestions(svc, actor),
		exportHref: `/api/redemptions?${exportParams}`,
		form: await superValidate(zod4(redemptionForm), { id: 'generate' })
	};
};

export const actions: Actions = {
	generate: async (event) => {
		const { actor, svc } = pageContext(event, 'admin');
		const form = await superValidate(event.request, zod4(redemptionForm), { id: 'generate' });
		if (!form.valid) return fail(400, { form });
		const { tzOffset, expiresAt, ...rest } = form.data;
		try {
			const created = await createRedemptionCodes(svc, actor, { ...rest, expiresAt: localToIso(expiresAt, tzOffset) });
			const { count, amountUsd, name } = created.redemption;
			// The plaintext codes exist only in this answer: nothing keeps them after it is shown.
			return message(form, {
				kind: 'ok',
				text: m.redemptions_generated({ count: formatNumber(count), amount: formatUsdAmount(amountUsd), name }),
				codes: created.codes.map((c) => c.code)
			} satisfies Notice);
		} catch (err) {
			return refusal(form, err);
		}
	},

	disable: async (event) => {
		const { actor, svc } = pageContext(event, 'admin');
		const id = Number((await event.request.formData()).get('id'));
		if (!Number.isInteger(id) || id <= 0) return fail(400, { error: m.redemptions_unknown_code() });
		try {
			const row = await disableRedemptionCode(svc, actor, id);
			return { disabled: row.prefix };
		} catch (err) {
			return plainRefusal(err);
		}
	}
};
