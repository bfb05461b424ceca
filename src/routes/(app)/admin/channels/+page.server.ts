import { fail } from '@sveltejs/kit';
import * as z from 'zod';
import { failure } from '$lib/server/admin/refusals';
import { channelTypes } from '$lib/server/providers/registry';
import { relayContextIfConfigured } from '$lib/server/relay/context';
import { testAllChannels, testChannel } from '$lib/server/services/channel-health';
import { deleteChannel, listChannels, setChannelEnabled } from '$lib/server/services/channels';
import { snapshot } from '$lib/server/state/store';
import { pageContext } from '$lib/server/ui/page-context';
import type { Actions, PageServerLoad } from './$types';

const PER_PAGE = 25;

const listQuery = z.object({
	page: z.coerce.number().int().min(1).catch(1),
	status: z.enum(['enabled', 'disabled']).optional().catch(undefined),
	type: z.string().trim().max(40).optional().catch(undefined)
});

export const load: PageServerLoad = async (event) => {
	const { actor, svc } = pageContext(event, 'admin');
	const q = listQuery.parse(Object.fromEntries(event.url.searchParams));
	const type = q.type && channelTypes().includes(q.type) ? q.type : undefined;
	const page = await listChannels(svc, actor, { page: q.page, perPage: PER_PAGE, status: q.status, type });
	return {
		// Only what the list shows: keys are counted, never sent (not even masked).
		channels: page.items.map((c) => ({
			id: c.id,
			type: c.type,
			name: c.name,
			status: c.status,
			disableKind: c.disableKind,
			disableReason: c.disableReason,
			disabledAt: c.disabledAt,
			priority: c.priority,
			weight: c.weight,
			usedQuota: c.usedQuota,
			requestCount: c.requestCount,
			models: c.models.length,
			keys: c.keys.length,
			keysDisabled: c.keys.filter((k) => !k.enabled).length,
			lastTestAt: c.lastTestAt,
			lastTestLatencyMs: c.lastTestLatencyMs,
			lastTestOk: c.lastTestOk,
			lastTestError: c.lastTestError,
			breaker: c.health?.breaker ?? null
		})),
		total: page.total,
		page: q.page,
		perPage: PER_PAGE,
		filters: { status: q.status ?? '', type: type ?? '' },
		types: channelTypes()
	};
};

const idField = z.object({ id: z.coerce.number().int().positive() });

async function idOf(request: Request): Promise<{ id: number; form: FormData } | null> {
	const form = await request.formData();
	const parsed = idField.safeParse({ id: form.get('id') });
	return parsed.success ? { id: parsed.data.id, form } : null;
}

/** A test waits as long as a real call would for its first byte, but not past a minute. */
function testTimeoutMs(): number {
	return Math.min(snapshot().options['relay.first_byte_timeout_ms'], 60_000);
}

/** This instance stops holding past failures against a channel that just passed a test (as the API does). */
function forgetFailures(channelId: number, ok: boolean): void {
	if (ok) relayContextIfConfigured()?.health.forget(channelId);
}

export const actions: Actions = {
	test: async (event) => {
		const { actor, svc } = pageContext(event, 'admin');
		const target = await idOf(event.request);
		if (!target) return fail(400, { error: 'Which channel?' });
		try {
			const result = await testChannel(svc, actor, target.id, {}, testTimeoutMs());
			forgetFailures(target.id, result.ok);
			return { tested: [{ channelId: target.id, ok: result.ok, latencyMs: result.latencyMs, model: result.model, error: result.error ?? null }] };
		} catch (err) {
			return failure(err);
		}
	},
	testAll: async (event) => {
		const { actor, svc } = pageContext(event, 'admin');
		try {
			const results = await testAllChannels(svc, actor, testTimeoutMs());
			for (const r of results) forgetFailures(r.channelId, r.ok);
			return { tested: results.map((r) => ({ channelId: r.channelId, ok: r.ok, latencyMs: r.latencyMs, model: r.model, error: r.error ?? null })), all: true };
		} catch (err) {
			return failure(err);
		}
	},
	enable: async (event) => {
		const { actor, svc } = pageContext(event, 'admin');
		const target = await idOf(event.request);
		if (!target) return fail(400, { error: 'Which channel?' });
		try {
			const row = await setChannelEnabled(svc, actor, target.id, true);
			return { done: `${row.name} is enabled.` };
		} catch (err) {
			return failure(err);
		}
	},
	disable: async (event) => {
		const { actor, svc } = pageContext(event, 'admin');
		const target = await idOf(event.request);
		if (!target) return fail(400, { error: 'Which channel?' });
		const reason = String(target.form.get('reason') ?? '').trim().slice(0, 500) || undefined;
		try {
			const row = await setChannelEnabled(svc, actor, target.id, false, reason);
			return { done: `${row.name} is disabled; it stays off until you enable it.` };
		} catch (err) {
			return failure(err);
		}
	},
	delete: async (event) => {
		const { actor, svc } = pageContext(event, 'admin');
		const target = await idOf(event.request);
		if (!target) return fail(400, { error: 'Which channel?' });
		try {
			await deleteChannel(svc, actor, target.id);
			return { done: 'The channel was deleted. Its logs keep pointing at it.' };
		} catch (err) {
			return failure(err);
		}
	}
};
