import { fail, redirect, type RequestEvent } from '@sveltejs/kit';
import { setError, superValidate, type SuperValidated } from 'sveltekit-superforms';
import { zod4 } from 'sveltekit-superforms/adapters';
import { localizeChannelError } from '../../channel-errors';
import { parseModelLines } from '../../channel-config';
import { channelTypes } from '../providers/registry';
import { channelTestTimeoutMs } from '../app/channel-tests';
import { listGroups } from '../services/groups';
import { listUpstreamModels, testDraftChannel } from '../services/channel-upstream';
import { createChannel, getChannel, updateChannel } from '../services/channels';
import type { Actor } from '../services/actor';
import type { ServiceContext } from '../services/context';
import { ServiceError } from '../services/errors';
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
 * Keys typed into a form that comes back are not sent back (masked keys of an edited channel
 * are): the page must not hold secrets. Says whether any were left out.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
function hideNewKeys(form: SuperValidated<any>): boolean {
	const all = String(form.data.keys ?? '')
		.split('\n')
		.map((k) => k.trim())
		.filter(Boolean);
	const kept = all.filter((k) => k.includes('…'));
	form.data.keys = kept.join('\n');
	return kept.length < all.length;
}

/** The submitted form of a channel being created (`id` undefined) or edited, read as its type's form. */
async function readForm(event: RequestEvent, id?: number) {
	const { actor, svc } = pageContext(event, 'admin');
	const raw = await event.request.formData();
	const current = id === undefined ? undefined : await getChannel(svc, actor, id);
	const type = current?.type ?? knownType(String(raw.get('type') ?? ''));
	const form = await superValidate(raw, zod4(channelFormSchema(type)));
	form.data.type = type;
	return { actor, svc, raw, current, form, data: form.data as ChannelFormData };
}

/** Models ticked in the fetched list, added to the typed ones (without repeats). */
function withPicked(models: string, raw: FormData): string {
	const listed = parseModelLines(models);
	const picked = raw
		.getAll('pick')
		.map((v) => String(v).trim())
		.filter((v) => v && !listed.includes(v));
	return [...listed, ...new Set(picked)].join('\n');
}

/**
 * Validates the submitted channel form and saves it through the channel service: every
 * problem beside its field, nothing saved unless all is well. Models ticked in a fetched list
 * are added to the typed ones.
 */
export async function saveChannel(event: RequestEvent, id?: number) {
	const { actor, svc, raw, current, form, data } = await readForm(event, id);
	data.models = withPicked(data.models, raw);
	if (!form.valid) {
		hideNewKeys(form);
		return fail(400, { form });
	}
	const { input, errors } = channelInputOf(data, current?.config as Record<string, unknown> | undefined);
	const problems = { ...schemaProblems(input), ...errors };
	if (Object.keys(problems).length) {
		hideNewKeys(form);
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
		hideNewKeys(form);
		return refusal(form, err, formFieldOf);
	}
	redirect(303, `/admin/channels?saved=${saved.id}`);
}

/** A draft action's outcome, as the form shows it (with JavaScript the form's values stay as typed). */
export interface FetchedModels {
	ok: boolean;
	models: string[];
	error: string | null;
	/** Without JavaScript the page comes back: keys typed were left out of it. */
	keysHidden: boolean;
}

export interface DraftTest {
	ok: boolean;
	model: string;
	latencyMs: number;
	error: string | null;
	keysHidden: boolean;
}

/** The service input for the form's current values: nothing is saved. */
async function draftOf(event: RequestEvent, id?: number) {
	const read = await readForm(event, id);
	const { input, errors } = channelInputOf(read.data, read.current?.config as Record<string, unknown> | undefined);
	const firstError = Object.values(errors)[0] ?? Object.values(read.form.errors).flat()[0];
	const keys = input.keys as string[];
	const draft = {
		...(id === undefined ? {} : { channelId: id }),
		type: input.type,
		baseUrl: (input.baseUrl as string) || undefined,
		keys: keys.length ? keys : undefined,
		models: input.models,
		modelMapping: input.modelMapping,
		config: input.config
	};
	const keysHidden = hideNewKeys(read.form);
	return { ...read, draft, firstError: typeof firstError === 'string' ? firstError : undefined, keysHidden };
}

/** A refusal of draft settings in words, beside nothing in particular (the form keeps its values). */
function refusalText(err: unknown): string {
	if (!(err instanceof ServiceError)) throw err;
	return err.field ? err.localizedDetail() : err.localizedMessage();
}

/** "Fetch models": the upstream's model list for the form's settings. */
export async function fetchModelsAction(event: RequestEvent, id?: number) {
	const { actor, svc, form, draft, firstError, keysHidden } = await draftOf(event, id);
	const answer = (fetched: FetchedModels) => (fetched.ok ? { form, fetched } : fail(400, { form, fetched }));
	if (firstError) return answer({ ok: false, models: [], error: firstError, keysHidden });
	try {
		const result = await listUpstreamModels(svc, actor, draft, channelTestTimeoutMs());
		return answer({ ok: result.ok, models: result.models, error: result.error?.() ?? null, keysHidden });
	} catch (err) {
		return answer({ ok: false, models: [], error: refusalText(err), keysHidden });
	}
}

/** "Test these settings": one real call with the form's values; nothing is saved. */
export async function testDraftAction(event: RequestEvent, id?: number) {
	const { actor, svc, raw, form, draft, firstError, keysHidden } = await draftOf(event, id);
	const model = String(raw.get('testModel') ?? '').trim() || undefined;
	const answer = (draftTest: DraftTest) => (draftTest.ok ? { form, draftTest } : fail(400, { form, draftTest }));
	if (firstError) return answer({ ok: false, model: model ?? '', latencyMs: 0, error: firstError, keysHidden });
	try {
		const result = await testDraftChannel(svc, actor, { ...draft, model }, channelTestTimeoutMs());
		return answer({ ok: result.ok, model: result.model, latencyMs: result.latencyMs, error: result.error === null ? null : localizeChannelError(result.error), keysHidden });
	} catch (err) {
		return answer({ ok: false, model: model ?? '', latencyMs: 0, error: refusalText(err), keysHidden });
	}
}

export { configFields, defaultBaseUrl };
