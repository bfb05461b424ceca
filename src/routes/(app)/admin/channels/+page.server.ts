import { fail } from '@sveltejs/kit';
import * as z from 'zod';
import { localizeChannelError } from '$lib/channel-errors';
import { m } from '$lib/paraglide/messages';
import { channelBatchActions } from '$lib/schemas/channels';
import { channelTestTimeoutMs, forgetChannelFailures } from '$lib/server/app/channel-tests';
import { balanceProviderOf } from '$lib/server/providers/balance';
import { channelTypes } from '$lib/server/providers/registry';
import { testAllChannels, testChannel } from '$lib/server/services/channel-health';
import { batchChannels, checkChannelBalance } from '$lib/server/services/channel-upstream';
import { channelTags, deleteChannel, getChannel, listChannels, setChannelEnabled } from '$lib/server/services/channels';
import { ServiceError } from '$lib/server/services/errors';
import { pageContext } from '$lib/server/ui/page-context';
import type { Actions, PageServerLoad } from './$types';

const PER_PAGE = 25;
/** Models offered in a row's "test with" list; the edit page tests any of them. */
const TEST_CHOICES = 100;

const listQuery = z.object({
	page: z.coerce.number().int().min(1).catch(1),
	status: z.enum(['enabled', 'disabled']).optional().catch(undefined),
	type: z.string().trim().max(40).optional().catch(undefined),
	tag: z.string().trim().max(32).optional().catch(undefined),
	q: z.string().trim().max(200).optional().catch(undefined)
});

export const load: PageServerLoad = async (event) => {
	const { actor, svc } = pageContext(event, 'admin');
	const q = listQuery.parse(Object.fromEntries(event.url.searchParams));
	const type = q.type && channelTypes().includes(q.type) ? q.type : undefined;
	const [page, tags] = await Promise.all([
		listChannels(svc, actor, { page: q.page, perPage: PER_PAGE, status: q.status, type, tag: q.tag || undefined, q: q.q || undefined }),
		channelTags(svc, actor)
	]);
	return {
		// Only what the list shows: keys are counted, never sent (not even masked).
		channels: page.items.map((c) => ({
			id: c.id,
			type: c.type,
			name: c.name,
			tags: c.tags,
			status: c.status,
			disableKind: c.disableKind,
			disableReason: c.disableReason,
			disabledAt: c.disabledAt,
			priority: c.priority,
			weight: c.weight,
			usedQuota: c.usedQuota,
			requestCount: c.requestCount,
			models: c.models.length,
			testModels: c.models.slice(0, TEST_CHOICES),
			keys: c.keys.length,
			keysDisabled: c.keys.filter((k) => !k.enabled).length,
			lastTestAt: c.lastTestAt,
			lastTestLatencyMs: c.lastTestLatencyMs,
			lastTestOk: c.lastTestOk,
			lastTestError: c.lastTestError === null ? null : localizeChannelError(c.lastTestError),
			balanceApi: balanceProviderOf(c.type, c.baseUrl) !== undefined,
			balance: c.balanceAmount === null || c.balanceCurrency === null ? null : { amount: Number(c.balanceAmount), currency: c.balanceCurrency },
			balanceCheckedAt: c.balanceCheckedAt,
			balanceError: c.balanceError === null ? null : localizeChannelError(c.balanceError),
			breaker: c.health?.breaker ?? null
		})),
		total: page.total,
		page: q.page,
		perPage: PER_PAGE,
		filters: { status: q.status ?? '', type: type ?? '', tag: q.tag ?? '', q: q.q ?? '' },
		types: channelTypes(),
		tags
	};
};

const idField = z.object({ id: z.coerce.number().int().positive() });

async function idOf(request: Request): Promise<{ id: number; form: FormData } | null> {
	const form = await request.formData();
	const parsed = idField.safeParse({ id: form.get('id') });
	return parsed.success ? { id: parsed.data.id, form } : null;
}

/** A service's refusal as the page's alert, in the page's language. */
function refused(err: unknown) {
	if (!(err instanceof ServiceError)) throw err;
	return fail(err.status, { error: err.field ? err.localizedDetail() : err.localizedMessage() });
}

type Tested = { channelId: number; ok: boolean; latencyMs: number; model: string; error: string | null };

const shown = (channelId: number, r: { ok: boolean; latencyMs: number; model: string; error: string | null }): Tested => ({
	channelId,
	ok: r.ok,
	latencyMs: r.latencyMs,
	model: r.model,
	error: r.error === null ? null : localizeChannelError(r.error)
});

const batchForm = z.object({
	action: z.enum(channelBatchActions),
	ids: z.array(z.coerce.number().int().positive()).min(1),
	confirm: z.literal('yes').optional()
});

export const actions: Actions = {
	test: async (event) => {
		const { actor, svc } = pageContext(event, 'admin');
		const target = await idOf(event.request);
		if (!target) return fail(400, { error: m.channels_which() });
		const model = String(target.form.get('model') ?? '').trim() || undefined;
		try {
			const result = await testChannel(svc, actor, target.id, { model }, channelTestTimeoutMs());
			forgetChannelFailures(target.id, result.ok);
			return { tested: [shown(target.id, result)] };
		} catch (err) {
			return refused(err);
		}
	},
	testAll: async (event) => {
		const { actor, svc } = pageContext(event, 'admin');
		try {
			const results = await testAllChannels(svc, actor, channelTestTimeoutMs());
			for (const r of results) forgetChannelFailures(r.channelId, r.ok);
			return { tested: results.map((r) => shown(r.channelId, r)), all: true };
		} catch (err) {
			return refused(err);
		}
	},
	enable: async (event) => {
		const { actor, svc } = pageContext(event, 'admin');
		const target = await idOf(event.request);
		if (!target) return fail(400, { error: m.channels_which() });
		try {
			const row = await setChannelEnabled(svc, actor, target.id, true);
			return { done: m.channels_enabled_done({ name: row.name }) };
		} catch (err) {
			return refused(err);
		}
	},
	disable: async (event) => {
		const { actor, svc } = pageContext(event, 'admin');
		const target = await idOf(event.request);
		if (!target) return fail(400, { error: m.channels_which() });
		const reason = String(target.form.get('reason') ?? '').trim().slice(0, 500) || undefined;
		try {
			const row = await setChannelEnabled(svc, actor, target.id, false, reason);
			return { done: m.channels_disabled_done({ name: row.name }) };
		} catch (err) {
			return refused(err);
		}
	},
	balance: async (event) => {
		const { actor, svc } = pageContext(event, 'admin');
		const target = await idOf(event.request);
		if (!target) return fail(400, { error: m.channels_which() });
		try {
			const check = await checkChannelBalance(svc, actor, target.id, channelTestTimeoutMs());
			if (!check.ok) return fail(check.available ? 502 : 400, { error: check.error?.() ?? m.channels_balance_failed() });
			return { done: m.channels_balance_done() };
		} catch (err) {
			return refused(err);
		}
	},
	delete: async (event) => {
		const { actor, svc } = pageContext(event, 'admin');
		const target = await idOf(event.request);
		if (!target) return fail(400, { error: m.channels_which() });
		try {
			await deleteChannel(svc, actor, target.id);
			return { done: m.channels_deleted_done() };
		} catch (err) {
			return refused(err);
		}
	},
	/** One action on the ticked channels; deleting asks first (a second post with confirm=yes). */
	batch: async (event) => {
		const { actor, svc } = pageContext(event, 'admin');
		const raw = await event.request.formData();
		const parsed = batchForm.safeParse({ action: raw.get('action'), ids: raw.getAll('ids'), confirm: raw.get('confirm') ?? undefined });
		if (!parsed.success) return fail(400, { error: raw.getAll('ids').length === 0 ? m.channels_batch_none() : m.channels_which() });
		const { action, ids, confirm } = parsed.data;
		if (action === 'delete' && confirm !== 'yes') {
			const found = await Promise.all([...new Set(ids)].map((id) => getChannel(svc, actor, id).catch(() => null)));
			return { confirmDelete: found.flatMap((c) => (c ? [{ id: c.id, name: c.name }] : [])) };
		}
		try {
			const items = await batchChannels(svc, actor, { action, ids }, channelTestTimeoutMs());
			if (action === 'test') for (const i of items) if (i.test) forgetChannelFailures(i.id, i.test.ok);
			return {
				batch: {
					action,
					done: items.filter((i) => i.ok).length,
					failed: items.filter((i) => !i.ok).map((i) => ({ id: i.id, name: i.name, error: i.error?.() ?? (i.test?.error ? localizeChannelError(i.test.error) : null) }))
				},
				...(action === 'test' ? { tested: items.flatMap((i) => (i.test ? [shown(i.id, i.test)] : [])) } : {})
			};
		} catch (err) {
			return refused(err);
		}
	}
};
