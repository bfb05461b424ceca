import { fail } from '@sveltejs/kit';
import { message, superValidate } from 'sveltekit-superforms';
import { zod4 } from 'sveltekit-superforms/adapters';
import { createApiKey } from '$lib/server/services/api-keys';
import { apiKeyForm, toKeyInput } from '$lib/schemas/api-key-form';
import { pageContext } from '$lib/server/ui/page-context';
import type { Actions, PageServerLoad } from './$types';
import { pickableModels, refuse } from '../keys.server';

export const load: PageServerLoad = async (event) => {
	const { user } = pageContext(event, 'user');
	return { form: await superValidate(zod4(apiKeyForm)), models: pickableModels(user.group) };
};

export const actions: Actions = {
	default: async (event) => {
		const { svc, actor } = pageContext(event, 'user');
		const form = await superValidate(event.request, zod4(apiKeyForm));
		if (!form.valid) return fail(400, { form });
		try {
			// An empty limit on a new key means "the installation's default", which the service fills in.
			const { rpmLimit, ...input } = toKeyInput(form.data);
			const { key, apiKey } = await createApiKey(svc, actor, rpmLimit === null ? input : { ...input, rpmLimit });
			// A fresh, empty form carries the key: shown on this response only, never stored.
			const fresh = await superValidate(zod4(apiKeyForm));
			return message(fresh, { created: { id: apiKey.id, name: apiKey.name, key } });
		} catch (err) {
			return refuse(form, err);
		}
	}
};
