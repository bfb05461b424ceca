import { fail } from '@sveltejs/kit';
import { message, superValidate } from 'sveltekit-superforms';
import { zod4 } from 'sveltekit-superforms/adapters';
import { auditActorNames, listAudit } from '$lib/server/services/audit';
import { createManagementToken, listManagementTokens, revokeManagementToken } from '$lib/server/services/tokens';
import { m } from '$lib/paraglide/messages';
import { usernamesOf } from '$lib/server/services/users';
import { lookUpUser, userSuggestions } from '$lib/server/ui/user-lookup';
import { plainRefusal, refusal } from '$lib/server/ui/admin-forms';
import { localToIso, tokenForm } from '$lib/schemas/admin-ui';
import type { Notice } from '$lib/components/admin-settings/notice';
import { pageContext } from '$lib/server/ui/page-context';
import type { Actions, PageServerLoad } from './$types';

/** What the audit log's target types mean, for the filter. */
const TARGET_TYPES = ['model_price', 'group', 'options', 'user', 'channel', 'channel_key', 'api_key', 'redemption', 'management_token', 'request_logs'];

export const load: PageServerLoad = async (event) => {
	const { user, actor, svc: ctx } = pageContext(event, 'root');
	const q = event.url.searchParams;
	const page = Math.max(1, Number.parseInt(q.get('page') ?? '1', 10) || 1);
	const tokenPage = Math.max(1, Number.parseInt(q.get('tpage') ?? '1', 10) || 1);
	const targetType = q.get('target')?.trim() || undefined;
	const actorFilter = q.get('actor')?.trim() ?? '';

	// The actor is a username, "token", "system" (or a user id, for links made before names were used).
	let actorQuery: { actorKind?: string; actorId?: number } = {};
	let actorError: string | null = null;
	if (actorFilter === 'token' || actorFilter === 'system') actorQuery = { actorKind: actorFilter };
	else if (actorFilter) {
		const found = await lookUpUser(ctx, actor, actorFilter);
		if (found && 'id' in found) actorQuery = { actorKind: 'user', actorId: found.id };
		else if (found) actorError = found.error;
	}

	const [tokens, audit] = await Promise.all([
		listManagementTokens(ctx, actor, { page: tokenPage, perPage: 20 }),
		actorError ? { items: [], total: 0, page, perPage: 25 } : listAudit(ctx, actor, { page, perPage: 25, targetType, ...actorQuery })
	]);
	const [names, creators, usernames] = await Promise.all([
		auditActorNames(ctx, actor, audit.items),
		usernamesOf(ctx, actor, tokens.items.flatMap((t) => (t.createdBy === null ? [] : [t.createdBy]))),
		userSuggestions(ctx, actor)
	]);
	return {
		tokens: { ...tokens, items: tokens.items.map((t) => ({ ...t, createdByName: t.createdBy === null ? null : (creators.get(t.createdBy) ?? null) })) },
		usernames,
		audit: { ...audit, items: audit.items.map((a) => ({ ...a, actorName: a.actorKind === 'user' && a.actorId !== null ? (names.get(a.actorId) ?? `#${a.actorId}`) : null })) },
		filters: { target: targetType ?? '', actor: actorFilter },
		actorError,
		targetTypes: TARGET_TYPES,
		form: await superValidate(zod4(tokenForm), { id: 'token' })
	};
};

export const actions: Actions = {
	create: async (event) => {
		const { actor, svc } = pageContext(event, 'admin');
		const form = await superValidate(event.request, zod4(tokenForm), { id: 'token' });
		if (!form.valid) return fail(400, { form });
		const { tzOffset, expiresAt, ...rest } = form.data;
		try {
			const created = await createManagementToken(svc, actor, { ...rest, expiresAt: localToIso(expiresAt, tzOffset) });
			form.data.name = '';
			form.data.expiresAt = '';
			return message(form, {
				kind: 'ok',
				text:
					created.managementToken.scope === 'admin'
						? m.tokens_created_admin({ name: created.managementToken.name })
						: m.tokens_created_read({ name: created.managementToken.name }),
				secret: created.token
			} satisfies Notice);
		} catch (err) {
			return refusal(form, err);
		}
	},

	revoke: async (event) => {
		const { actor, svc } = pageContext(event, 'admin');
		const id = Number((await event.request.formData()).get('id'));
		if (!Number.isInteger(id) || id <= 0) return fail(400, { error: m.tokens_unknown() });
		try {
			await revokeManagementToken(svc, actor, id);
			return { revoked: id };
		} catch (err) {
			return plainRefusal(err);
		}
	}
};
