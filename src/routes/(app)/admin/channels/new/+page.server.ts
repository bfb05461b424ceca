import { channelFormFor, configFields, defaultBaseUrl, fetchModelsAction, groupNames, knownType, saveChannel, testDraftAction } from '$lib/server/admin/channel-actions';
import { formValuesOf } from '$lib/server/admin/channel-form';
import { channelTypes } from '$lib/server/providers/registry';
import { getChannel } from '$lib/server/services/channels';
import { pageContext } from '$lib/server/ui/page-context';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = async (event) => {
	const { actor, svc } = pageContext(event, 'admin');
	const fromId = Number(event.url.searchParams.get('from'));
	// A duplicate starts from another channel's settings, without its keys.
	const source = Number.isSafeInteger(fromId) && fromId > 0 ? await getChannel(svc, actor, fromId).catch(() => undefined) : undefined;
	const type = source && !event.url.searchParams.has('type') ? source.type : knownType(event.url.searchParams.get('type'));
	const values = source && source.type === type ? formValuesOf(source, { copy: true }) : undefined;
	return {
		form: await channelFormFor(type, values),
		fields: configFields(type),
		defaultBaseUrl: defaultBaseUrl(type) ?? null,
		groups: await groupNames(svc, actor),
		types: channelTypes(),
		type,
		copyOf: source && source.type === type ? { id: source.id, name: source.name } : null
	};
};

export const actions: Actions = {
	save: (event) => saveChannel(event),
	fetchModels: (event) => fetchModelsAction(event),
	testDraft: (event) => testDraftAction(event)
};
