import { fail, redirect } from '@sveltejs/kit';
import { message, superValidate } from 'sveltekit-superforms';
import { zod4 } from 'sveltekit-superforms/adapters';
import { updateApiKey } from '$lib/server/services/api-keys';
import { apiKeyForm, fromKey, toKeyInput } from '$lib/schemas/api-key-form';
import { pageContext } from '$lib/server/ui/page-context';
import { m } from '$lib/paraglide/messages';
import type { Actions, PageServerLoad } from './$types';
import { orErrorPage, ownKey, pickableModels, refuse, removeKey, toggleKey } from '../keys.server';

export const load: PageServerLoad = async (event) => {
	const { user, svc, actor } = pageContext(event, 'user');
	const key = await orErrorPage(ownKey(svc, actor, user.id, Number(event.params.id)));
	const models = [...new Set([...pickableModels(user.group), ...key.allowedModels])].sort((a, b) => a.localeCompare(b));
	return { key, models, now: Date.now(), form: await superValidate(fromKey(key), zod4(apiKeyForm), { errors: false }) };
};

export const actions: Actions = {
	update: async (event) => {
		const { user, svc, actor } = pageContext(event, 'user');
		const form = await superValidate(event.request, zod4(apiKeyForm));
		if (!form.valid) return fail(400, { form });
		try {
			const id = Number(event.params.id);
			await ownKey(svc, actor, user.id, id);
			await updateApiKey(svc, actor, id, toKeyInput(form.data));
			return message(form, { saved: m.keys_saved() });
		} catch (err) {
			return refuse(form, err);
		}
	},
	toggle: toggleKey,
	delete: async (event) => {
		const result = await removeKey(event);
		if ('notice' in result) redirect(303, '/keys');
		return result;
	}
};
