import { error, fail, type ActionFailure, type RequestEvent } from '@sveltejs/kit';
import { message, setError, superValidate, type SuperValidated } from 'sveltekit-superforms';
import { zod4 } from 'sveltekit-superforms/adapters';
import * as z from 'zod';
import { visibleModels } from '$lib/server/relay/select';
import type { Actor } from '$lib/server/services/actor';
import { deleteApiKey, getApiKey, updateApiKey, type ApiKeyView } from '$lib/server/services/api-keys';
import type { ServiceContext } from '$lib/server/services/context';
import { ServiceError, say } from '$lib/server/services/errors';
import { snapshot } from '$lib/server/state/store';
import { pageContext } from '$lib/server/ui/page-context';
import { formFieldOf, type ApiKeyForm } from '$lib/schemas/api-key-form';
import { m } from '$lib/paraglide/messages';

/** Models the user's group can call, for the allow-list picker. */
export function pickableModels(group: string): string[] {
	return [...visibleModels(snapshot(), group, null).keys()].sort((a, b) => a.localeCompare(b));
}

/** A service refusal beside its field, or above the form when it names none. */
export function refuse(form: SuperValidated<ApiKeyForm>, err: unknown) {
	if (!(err instanceof ServiceError)) throw err;
	const field = formFieldOf(err.field);
	const status = err.status === 404 || err.status === 403 ? err.status : 400;
	if (field) return setError(form, field === 'allowedModels' ? 'allowedModels._errors' : field, err.localizedDetail(), { status });
	return message(form, { error: err.localizedDetail() }, { status });
}

/** Page loads turn "not yours" and "gone" into the matching error page. */
export async function orErrorPage<T>(work: Promise<T>): Promise<T> {
	try {
		return await work;
	} catch (err) {
		if (err instanceof ServiceError && (err.status === 403 || err.status === 404)) error(err.status, err.localizedMessage());
		throw err;
	}
}

const keyAction = z.object({ id: z.coerce.number().int().positive().max(2_147_483_647), enabled: z.enum(['true', 'false']).optional() });

/**
 * One of the user's own keys. Administrators manage other people's keys from the admin
 * console; here everyone sees only their own, and someone else's key is simply not found.
 */
export async function ownKey(svc: ServiceContext, actor: Actor, userId: number, id: number): Promise<ApiKeyView> {
	const key = await getApiKey(svc, actor, id);
	if (key.userId !== userId) throw new ServiceError('not_found', say(m.keys_not_found, {}));
	return key;
}

/** Disable or enable a key (the row's own little form). */
export async function toggleKey(event: RequestEvent) {
	const { user, svc, actor } = pageContext(event, 'user');
	const form = await superValidate(event.request, zod4(keyAction));
	if (!form.valid || !form.data.enabled) return fail(400, { notice: m.keys_toggle_refused() });
	try {
		await ownKey(svc, actor, user.id, form.data.id);
		const key = await updateApiKey(svc, actor, form.data.id, { enabled: form.data.enabled === 'true' });
		return { notice: key.status === 'active' ? m.keys_enabled_notice({ name: key.name }) : m.keys_disabled_notice({ name: key.name }) };
	} catch (err) {
		if (err instanceof ServiceError) return fail(err.status, { notice: err.localizedDetail() });
		throw err;
	}
}

/** Delete a key; it stops working at once. */
export async function removeKey(event: RequestEvent): Promise<{ notice: string } | ActionFailure<{ notice: string }>> {
	const { user, svc, actor } = pageContext(event, 'user');
	const form = await superValidate(event.request, zod4(keyAction));
	if (!form.valid) return fail(400, { notice: m.keys_delete_refused() });
	try {
		const key = await ownKey(svc, actor, user.id, form.data.id);
		await deleteApiKey(svc, actor, form.data.id);
		return { notice: m.keys_deleted_notice({ name: key.name }) };
	} catch (err) {
		if (err instanceof ServiceError) return fail(err.status, { notice: err.localizedDetail() });
		throw err;
	}
}
