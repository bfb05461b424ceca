import { fail } from '@sveltejs/kit';
import { message, setError, superValidate } from 'sveltekit-superforms';
import { zod4 } from 'sveltekit-superforms/adapters';
import * as z from 'zod';
import { QUOTA_PER_USD } from '$lib/money';
import { services } from '$lib/server/app/services';
import { optionDefinitions as defs, type OptionKey, type Options } from '$lib/server/options/definitions';
import { ServiceError } from '$lib/server/services/errors';
import { getOptions, patchOptions } from '$lib/server/services/options';
import { listGroups } from '$lib/server/services/groups';
import { refusal } from '$lib/server/ui/admin-forms';
import type { Notice } from '$lib/components/admin-settings/notice';
import { pageContext } from '$lib/server/ui/page-context';
import { m } from '$lib/paraglide/messages';
import { formatNumber } from '$lib/i18n/format';
import type { Actions, PageServerLoad } from './$types';

/** Form field -> option. Each field is validated by its option's own schema. */
const DIRECT = {
	siteName: 'site.name',
	siteNotice: 'site.notice',
	registrationEnabled: 'registration.enabled',
	allowUnpriced: 'billing.allow_unpriced_models',
	retryCount: 'relay.retry_count',
	connectTimeoutMs: 'relay.connect_timeout_ms',
	firstByteTimeoutMs: 'relay.first_byte_timeout_ms',
	streamFirstByteTimeoutMs: 'relay.stream_first_byte_timeout_ms',
	streamIdleTimeoutMs: 'relay.stream_idle_timeout_ms',
	breakerThreshold: 'breaker.failure_threshold',
	breakerCooldownSeconds: 'breaker.cooldown_seconds',
	rateLimitCooldownSeconds: 'relay.rate_limit_cooldown_seconds',
	modelUnavailableSeconds: 'relay.model_unavailable_seconds',
	probeInitialSeconds: 'health.probe_initial_seconds',
	probeMaxSeconds: 'health.probe_max_seconds',
	retentionDays: 'logs.retention_days',
	signupGroup: 'accounts.signup_group',
	defaultRpm: 'keys.default_rpm_limit',
	defaultTpm: 'keys.default_tpm_limit',
	dayZone: 'console.day_zone'
} as const satisfies Record<string, OptionKey>;

/** Lists are typed one entry a line. */
const LISTS = { corsOrigins: 'relay.cors_origins', imageAllowHosts: 'relay.image_fetch_allow_hosts' } as const satisfies Record<string, OptionKey>;

/** An option's own schema, defaulting to its default. */
function d<K extends OptionKey>(key: K) {
	const schema = defs[key].schema as unknown as z.ZodType<Options[K]>;
	return schema.default(defs[key].default as never) as unknown as z.ZodDefault<(typeof defs)[K]['schema']>;
}

const settingsForm = z.object({
	siteName: d('site.name'),
	siteNotice: d('site.notice'),
	registrationEnabled: z.boolean().default(true),
	allowUnpriced: z.boolean().default(false),
	retryCount: d('relay.retry_count'),
	connectTimeoutMs: d('relay.connect_timeout_ms'),
	firstByteTimeoutMs: d('relay.first_byte_timeout_ms'),
	streamFirstByteTimeoutMs: d('relay.stream_first_byte_timeout_ms'),
	streamIdleTimeoutMs: d('relay.stream_idle_timeout_ms'),
	breakerThreshold: d('breaker.failure_threshold'),
	breakerCooldownSeconds: d('breaker.cooldown_seconds'),
	rateLimitCooldownSeconds: d('relay.rate_limit_cooldown_seconds'),
	modelUnavailableSeconds: d('relay.model_unavailable_seconds'),
	probeInitialSeconds: d('health.probe_initial_seconds'),
	probeMaxSeconds: d('health.probe_max_seconds'),
	retentionDays: d('logs.retention_days'),
	signupGroup: d('accounts.signup_group'),
	defaultRpm: d('keys.default_rpm_limit'),
	defaultTpm: d('keys.default_tpm_limit'),
	dayZone: d('console.day_zone'),
	/** The signup balance in USD; stored as quota units. */
	signupUsd: z
		.number()
		.min(0, { error: () => m.settings_v_signup_negative() })
		.max(1e15 / QUOTA_PER_USD)
		.default(0),
	corsOrigins: z.string().max(20_000).default(''),
	imageAllowHosts: z.string().max(30_000).default('')
});

type SettingsData = z.infer<typeof settingsForm>;

function formValues(o: Options): SettingsData {
	const values: Record<string, unknown> = {};
	for (const [field, key] of Object.entries(DIRECT)) values[field] = o[key];
	for (const [field, key] of Object.entries(LISTS)) values[field] = (o[key] as string[]).join('\n');
	values.signupUsd = o['billing.signup_quota'] / QUOTA_PER_USD;
	return values as SettingsData;
}

function patchOf(data: SettingsData, current: Options): Record<string, unknown> {
	const wanted: Record<string, unknown> = {};
	for (const [field, key] of Object.entries(DIRECT)) wanted[key] = data[field as keyof SettingsData];
	for (const [field, key] of Object.entries(LISTS)) {
		wanted[key] = String(data[field as keyof SettingsData])
			.split(/[\n,]/)
			.map((s) => s.trim())
			.filter(Boolean);
	}
	wanted['billing.signup_quota'] = Math.round(data.signupUsd * QUOTA_PER_USD);
	// Only what changed is written: the options table keeps defaults implicit.
	return Object.fromEntries(Object.entries(wanted).filter(([key, value]) => JSON.stringify(value) !== JSON.stringify(current[key as OptionKey])));
}

const FIELD_OF: Record<string, string> = Object.fromEntries([
	...Object.entries(DIRECT).map(([f, k]) => [k, f]),
	...Object.entries(LISTS).map(([f, k]) => [k, f]),
	['billing.signup_quota', 'signupUsd']
]);

export const load: PageServerLoad = async (event) => {
	const { user, actor, svc } = pageContext(event, 'admin');
	const options = await getOptions(svc, actor);
	const form = await superValidate(formValues(options), zod4(settingsForm), { id: 'settings', errors: false });
	const groupNames = (await listGroups(svc, actor, { page: 1, perPage: 200 })).items.map((g) => g.name);
	return { form, canEdit: user.role === 'root', metricsTokenSet: Boolean(services().config.metricsToken), groupNames };
};

export const actions: Actions = {
	default: async (event) => {
		const { actor, svc } = pageContext(event, 'admin');
		const form = await superValidate(event.request, zod4(settingsForm), { id: 'settings' });
		if (!form.valid) return fail(400, { form });
		const ctx = svc;
		try {
			const patch = patchOf(form.data, await getOptions(ctx, actor));
			const changed = Object.keys(patch).length;
			if (changed === 0) return message(form, { kind: 'ok', text: m.settings_nothing_changed() } satisfies Notice);
			const saved = await patchOptions(ctx, actor, patch);
			form.data = formValues(saved);
			const text = changed === 1 ? m.settings_saved_one() : m.settings_saved_many({ count: formatNumber(changed) });
			return message(form, { kind: 'ok', text } satisfies Notice);
		} catch (err) {
			// Keys inside a list ("relay.cors_origins.3") point at the list's field.
			if (err instanceof ServiceError && err.field) {
				const field = err.field;
				const key = Object.keys(FIELD_OF).find((k) => field === k || field.startsWith(`${k}.`));
				if (key) return setError(form, FIELD_OF[key] as never, err.localizedDetail());
			}
			return refusal(form, err);
		}
	}
};
