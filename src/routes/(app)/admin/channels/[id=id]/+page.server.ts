import { error } from '@sveltejs/kit';
import { m } from '$lib/paraglide/messages';
import { channelFormFor, configFields, defaultBaseUrl, fetchModelsAction, groupNames, saveChannel, testDraftAction } from '$lib/server/admin/channel-actions';
import { formValuesOf } from '$lib/server/admin/channel-form';
import { getChannel } from '$lib/server/services/channels';
import { ServiceError } from '$lib/server/services/errors';
import { pageContext } from '$lib/server/ui/page-context';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = async (event) => {
	const { actor, svc } = pageContext(event, 'admin');
	const channel = await getChannel(svc, actor, Number(event.params.id)).catch((err: unknown) => {
		if (err instanceof ServiceError && err.code === 'not_found') error(404, m.channels_no_such());
		throw err;
	});
	return {
		form: await channelFormFor(channel.type, formValuesOf(channel, { copy: false })),
		fields: configFields(channel.type),
		defaultBaseUrl: defaultBaseUrl(channel.type) ?? null,
		groups: await groupNames(svc, actor),
		channel: {
			id: channel.id,
			name: channel.name,
			type: channel.type,
			status: channel.status,
			disableKind: channel.disableKind,
			disableReason: channel.disableReason,
			createdAt: channel.createdAt,
			updatedAt: channel.updatedAt,
			keys: channel.keys.map((k) => ({ id: k.id, hint: k.hint, enabled: k.enabled, disableKind: k.disableKind, disableReason: k.disableReason }))
		}
	};
};

export const actions: Actions = {
	save: (event) => saveChannel(event, Number(event.params.id)),
	fetchModels: (event) => fetchModelsAction(event, Number(event.params.id)),
	testDraft: (event) => testDraftAction(event, Number(event.params.id))
};
