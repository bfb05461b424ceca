import { fail } from '@sveltejs/kit';
import { message, superValidate } from 'sveltekit-superforms';
import { zod4 } from 'sveltekit-superforms/adapters';
import { createRedemptionCodes, disableRedemptionCode, listRedemptionCodes } from '$lib/server/services/redemptions';
import { plainRefusal, refusal } from '$lib/server/ui/admin-forms';
import { localToIso, redemptionForm } from '$lib/schemas/admin-ui';
import { redemptionListQuery } from '$lib/schemas/billing';
import type { Notice } from '$lib/components/admin-settings/notice';
import { pageContext } from '$lib/server/ui/page-context';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = async (event) => {
	const { actor, svc } = pageContext(event, 'admin');
	const raw = Object.fromEntries([...event.url.searchParams].filter(([, v]) => v !== ''));
	const parsed = redemptionListQuery.safeParse({ perPage: 25, ...raw });
	const query = parsed.success ? parsed.data : redemptionListQuery.parse({ perPage: 25 });
	const list = await listRedemptionCodes(svc, actor, query);
	const exportParams = new URLSearchParams({ format: 'csv' });
	if (query.status) exportParams.set('status', query.status);
	if (query.name) exportParams.set('name', query.name);
	return {
		list,
		filters: { status: query.status ?? '', name: query.name ?? '' },
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
				text: `Generated ${count.toLocaleString('en-US')} codes worth ${amountUsd.toLocaleString('en-US', { style: 'currency', currency: 'USD' })} each in “${name}”.`,
				codes: created.codes.map((c) => c.code)
			} satisfies Notice);
		} catch (err) {
			return refusal(form, err);
		}
	},

	disable: async (event) => {
		const { actor, svc } = pageContext(event, 'admin');
		const id = Number((await event.request.formData()).get('id'));
		if (!Number.isInteger(id) || id <= 0) return fail(400, { error: 'Unknown code.' });
		try {
			const row = await disableRedemptionCode(svc, actor, id);
			return { disabled: row.prefix };
		} catch (err) {
			return plainRefusal(err);
		}
	}
};
