import { fail, redirect, type RequestEvent } from '@sveltejs/kit';
import { setError, superValidate } from 'sveltekit-superforms';
import { zod4 } from 'sveltekit-superforms/adapters';
import { channelTypes } from '../providers/registry';
import { listGroups } from '../services/groups';
import { createChannel, getChannel, updateChannel } from '../services/channels';
import type { Actor } from '../services/actor';
import type { ServiceContext } from '../services/context';
import { refusal } from './refusals';
import { channelFormSchema, channelInputOf, configFields, defaultBaseUrl, formFieldOf, schemaProblems, type ChannelFormData } from './channel-form';
import { pageContext } from '../ui/page-context';

export function knownType(type: string | null | undefined): string {
	return type && channelTypes().includes(type) ? type : 'openai';
}

/** Group names for the picker (every group; there are few). */
export async function groupNames(svc: ServiceContext, actor: Actor): Promise<string[]> {
	const page = await listGroups(svc, actor, { page: 1, perPage: 200 });
	return page.items.map((g) => g.name);
}

/** The form for a type, prefilled with `values` (defaults otherwise). */
export async function channelFormFor(type: string, values?: Partial<ChannelFormData>) {
	return superValidate({ ...(values ?? {}), type } as ChannelFormData, zod4(channelFormSchema(type)), { errors: false });
}

/**
 * Validates the submitted channel form and saves it through the channel service: every
 * problem beside its field, nothing saved unless all is well. Keys typed into a form that
 * comes back with errors are not sent back (masked keys of an edited channel are).
 */
export async function saveChannel(event: RequestEvent, id?: number) {
	const { actor, svc } = pageContext(event, 'admin');
	const raw = await event.request.formData();
	const current = id === undefined ? undefined : await getChannel(svc, actor, id);
	const type = current?.type ?? knownType(String(raw.get('type') ?? ''));
	const form = await superValidate(raw, zod4(channelFormSchema(type)));
	form.data.type = type;
	const data = form.data as ChannelFormData;
	const hideNewKeys = () => {
		form.data.keys = data.keys
			.split('\n')
			.map((k) => k.trim())
			.filter((k) => k.includes('…'))
			.join('\n');
	};
	if (!form.valid) {
		hideNewKeys();
		return fail(400, { form });
	}
	const { input, errors } = channelInputOf(data, current?.config as Record<string, unknown> | undefined);
	const problems = { ...schemaProblems(input), ...errors };
	if (Object.keys(problems).length) {
		hideNewKeys();
		for (const [field, msg] of Object.entries(problems)) {
			// eslint-disable-next-line @typescript-eslint/no-explicit-any
			if (field in form.data) setError(form, field as any, msg);
		}
		return fail(400, { form });
	}
	let saved;
	try {
		saved = id === undefined ? await createChannel(svc, actor, input) : await updateChannel(svc, actor, id, input);
	} catch (err) {
		hideNewKeys();
		return refusal(form, err, formFieldOf);
	}
	redirect(303, `/admin/channels?saved=${saved.id}`);
}

export { configFields, defaultBaseUrl };
