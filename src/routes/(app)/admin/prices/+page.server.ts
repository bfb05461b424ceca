import { fail } from '@sveltejs/kit';
import { message, setError, superValidate } from 'sveltekit-superforms';
import { zod4 } from 'sveltekit-superforms/adapters';
import { ratiosFromUsd } from '$lib/server/billing/default-prices';
import { formatNumber } from '$lib/i18n/format';
import { m } from '$lib/paraglide/messages';
import { MAX_JSON_DEPTH, exceedsJsonDepth } from '$lib/server/http/json-depth';
import { deleteGroup, listGroups, upsertGroup } from '$lib/server/services/groups';
import { applyDefaultPrices } from '$lib/server/services/price-defaults';
import { importNewApiPrices } from '$lib/server/services/price-import';
import { deletePrice, listPrices, upsertPrice } from '$lib/server/services/prices';
import { ServiceError } from '$lib/server/services/errors';
import { plainRefusal, refusal } from '$lib/server/ui/admin-forms';
import { defaultsForm, groupForm, importForm, priceForm } from '$lib/schemas/admin-ui';
import type { Notice } from '$lib/components/admin-settings/notice';
import { pageContext } from '$lib/server/ui/page-context';
import type { Actions, PageServerLoad } from './$types';

const PER_PAGE = 25;
const MAX_UPLOAD = 5_000_000;

export const load: PageServerLoad = async (event) => {
	const { actor, svc: ctx } = pageContext(event, 'admin');
	const q = event.url.searchParams;
	const search = q.get('q')?.trim() ?? '';
	const page = Math.max(1, Number.parseInt(q.get('page') ?? '1', 10) || 1);
	const editModel = q.get('edit');
	const editGroup = q.get('group');

	const [groups, prices, editing] = await Promise.all([
		listGroups(ctx, actor, { page: 1, perPage: 200 }),
		listPrices(ctx, actor, { page, perPage: PER_PAGE, search }),
		editModel ? listPrices(ctx, actor, { page: 1, perPage: 200, search: editModel }) : null
	]);
	const priceRow = editing?.items.find((p) => p.model === editModel) ?? null;
	const groupRow = editGroup ? (groups.items.find((g) => g.name === editGroup) ?? null) : null;

	const price = await superValidate(zod4(priceForm), { id: 'price' });
	if (priceRow) {
		// Both ways of writing the price, so switching the entry shows the same price.
		Object.assign(price.data, {
			model: priceRow.model,
			modelRatio: priceRow.modelRatio,
			completionRatio: priceRow.completionRatio,
			cacheReadRatio: priceRow.cacheReadRatio,
			cacheWriteRatio: priceRow.cacheWriteRatio,
			...usdFromRatios(priceRow),
			pricePerRequestUsd: priceRow.pricePerRequestUsd,
			defaultOutputReserve: priceRow.defaultOutputReserve,
			source: priceRow.source ?? ''
		});
	}
	const group = await superValidate(zod4(groupForm), { id: 'group' });
	if (groupRow) Object.assign(group.data, { name: groupRow.name, ratio: groupRow.ratio, description: groupRow.description });

	return {
		groups: groups.items,
		groupsTotal: groups.total,
		prices,
		search,
		editingPrice: priceRow?.model ?? null,
		editingGroup: groupRow?.name ?? null,
		priceForm: price,
		groupForm: group,
		importForm: await superValidate(zod4(importForm), { id: 'import' }),
		defaultsForm: await superValidate(zod4(defaultsForm), { id: 'defaults' })
	};
};

/** The ratios a USD-per-million entry is saved as, or why its prices cannot be ratios. */
function usdToRatios(d: { inputUsd: number | null; outputUsd: number | null; cachedUsd: number | null; cacheWriteUsd: number | null }) {
	try {
		return ratiosFromUsd({ input: d.inputUsd ?? 0, output: d.outputUsd, cachedInput: d.cachedUsd ?? undefined, cacheWrite: d.cacheWriteUsd ?? undefined });
	} catch (err) {
		// Negative prices never get here (the form refuses them): what is left is a zero input price.
		if (err instanceof RangeError) return { error: m.prices_v_zero_input() };
		throw err;
	}
}

const AT_RATIO_1 = 2;
const tidy = (v: number) => Number(v.toPrecision(12));

/** A price row's ratios as USD per million tokens (ratio 1 = USD 2). */
function usdFromRatios(r: { modelRatio: number; completionRatio: number; cacheReadRatio: number | null; cacheWriteRatio: number | null }) {
	const input = tidy(r.modelRatio * AT_RATIO_1);
	const of = (x: number | null) => (x === null ? null : tidy(r.modelRatio * x * AT_RATIO_1));
	return { inputUsd: input, outputUsd: of(r.completionRatio), cachedUsd: of(r.cacheReadRatio), cacheWriteUsd: of(r.cacheWriteRatio) };
}

export const actions: Actions = {
	savePrice: async (event) => {
		const { actor, svc } = pageContext(event, 'admin');
		const form = await superValidate(event.request, zod4(priceForm), { id: 'price' });
		if (!form.valid) return fail(400, { priceForm: form });
		const d = form.data;
		let ratios = { modelRatio: d.modelRatio, completionRatio: d.completionRatio, cacheReadRatio: d.cacheReadRatio, cacheWriteRatio: d.cacheWriteRatio };
		if (d.entry === 'usd') {
			const converted = usdToRatios(d);
			if ('error' in converted) return setError(form, 'inputUsd', converted.error);
			ratios = converted;
		}
		try {
			const row = await upsertPrice(svc, actor, {
				model: d.model,
				...ratios,
				pricePerRequestUsd: d.pricePerRequestUsd,
				defaultOutputReserve: d.defaultOutputReserve,
				source: d.source || null
			});
			// The form stays in the unit the admin typed; the other set shows the same price.
			if (d.entry === 'usd') Object.assign(form.data, ratios);
			else Object.assign(form.data, usdFromRatios(ratios));
			return message(form, { kind: 'ok', text: m.prices_saved({ model: row.model }) } satisfies Notice);
		} catch (err) {
			return refusal(form, err);
		}
	},

	deletePrice: async (event) => {
		const { actor, svc } = pageContext(event, 'admin');
		const model = String((await event.request.formData()).get('name') ?? '');
		try {
			await deletePrice(svc, actor, model);
			return { deleted: model };
		} catch (err) {
			return plainRefusal(err);
		}
	},

	saveGroup: async (event) => {
		const { actor, svc } = pageContext(event, 'admin');
		const form = await superValidate(event.request, zod4(groupForm), { id: 'group' });
		if (!form.valid) return fail(400, { groupForm: form });
		try {
			const row = await upsertGroup(svc, actor, form.data);
			return message(form, { kind: 'ok', text: m.prices_group_saved({ name: row.name, ratio: formatNumber(row.ratio, { maximumFractionDigits: 6 }) }) } satisfies Notice);
		} catch (err) {
			return refusal(form, err);
		}
	},

	deleteGroup: async (event) => {
		const { actor, svc } = pageContext(event, 'admin');
		const name = String((await event.request.formData()).get('name') ?? '');
		try {
			await deleteGroup(svc, actor, name);
			return { deleted: name };
		} catch (err) {
			return plainRefusal(err);
		}
	},

	defaults: async (event) => {
		const { actor, svc } = pageContext(event, 'admin');
		const form = await superValidate(event.request, zod4(defaultsForm), { id: 'defaults' });
		if (!form.valid) return fail(400, { defaultsForm: form });
		try {
			const outcome = await applyDefaultPrices(svc, actor, form.data);
			const text =
				outcome.added + outcome.updated === 0
					? m.prices_defaults_none()
					: outcome.updated
						? m.prices_defaults_added_reset({ added: formatNumber(outcome.added), reset: formatNumber(outcome.updated) })
						: m.prices_defaults_added({ added: formatNumber(outcome.added) });
			return message(form, { kind: 'ok', text } satisfies Notice);
		} catch (err) {
			return refusal(form, err);
		}
	},

	import: async (event) => {
		const { actor, svc } = pageContext(event, 'admin');
		const body = await event.request.formData();
		const file = body.get('file');
		body.delete('file');
		const form = await superValidate(body, zod4(importForm), { id: 'import' });
		if (!form.valid) return fail(400, { importForm: form });
		let text = form.data.json.trim();
		if (file instanceof File && file.size > 0) {
			if (file.size > MAX_UPLOAD) return setError(form, 'json', m.prices_import_file_too_big());
			text = (await file.text()).trim();
			form.data.json = text.length <= 100_000 ? text : '';
		}
		if (!text) return setError(form, 'json', m.prices_import_empty());
		let parsed: unknown;
		try {
			parsed = JSON.parse(text);
		} catch (err) {
			return setError(form, 'json', m.prices_import_not_json({ detail: (err as Error).message }));
		}
		if (exceedsJsonDepth(parsed)) return setError(form, 'json', m.prices_import_too_deep({ max: formatNumber(MAX_JSON_DEPTH) }));
		try {
			const outcome = await importNewApiPrices(svc, actor, parsed);
			form.data.json = '';
			return message(form, {
				kind: 'ok',
				text: m.prices_imported({ prices: formatNumber(outcome.prices), groups: formatNumber(outcome.groups) })
			} satisfies Notice);
		} catch (err) {
			// The entry at fault (e.g. ModelRatio.gpt-4o) is in the message, shown beside the textarea.
			if (!(err instanceof ServiceError)) throw err;
			return setError(form, 'json', err.field ? `${err.field}: ${err.localizedDetail()}` : err.localizedMessage(), { status: err.status as 400 });
		}
	}
};
