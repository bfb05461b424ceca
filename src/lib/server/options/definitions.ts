import * as z from 'zod';
import { m } from '../../paraglide/messages';

/** Every global option: its schema and default. Stored as jsonb under the same key. */
const seconds = (max: number) => z.number().int().min(1).max(max);

export const optionDefinitions = {
	/** The name the console shows in titles and the header. */
	'site.name': {
		schema: z
			.string()
			.trim()
			.min(1, { error: () => m.settings_v_site_name() })
			.max(60, { error: () => m.settings_v_site_name_long() }),
		default: 'Elygate'
	},
	/** A notice for every signed-in user (maintenance, price changes); empty = none. */
	'site.notice': { schema: z.string().trim().max(1000, { error: () => m.settings_v_notice_long() }), default: '' },
	'registration.enabled': { schema: z.boolean(), default: true },
	/** Origins allowed to call /v1 from a browser ("*" = any; API keys are not ambient credentials). */
	'relay.cors_origins': { schema: z.array(z.string().min(1).max(200)).max(100), default: ['*'] },
	/**
	 * Hosts ("host" or "host:port") whose images may be fetched even though they resolve to a
	 * private or loopback address. Image URLs are otherwise fetched only from public addresses.
	 */
	'relay.image_fetch_allow_hosts': { schema: z.array(z.string().trim().min(1).max(300)).max(100), default: [] },
	/** Further channels tried after the first one fails, before anything reached the client. */
	'relay.retry_count': { schema: z.number().int().min(0).max(10), default: 3 },
	/** Time allowed to reach the upstream host (a TCP connect, checked while a host is unproven). */
	'relay.connect_timeout_ms': { schema: z.number().int().min(100).max(120_000), default: 10_000 },
	/** Time allowed until the first byte of a non-streamed answer (reasoning models think silently). */
	'relay.first_byte_timeout_ms': { schema: z.number().int().min(100).max(3_600_000), default: 120_000 },
	/** Time allowed until the first event of a streamed answer. */
	'relay.stream_first_byte_timeout_ms': { schema: z.number().int().min(100).max(3_600_000), default: 60_000 },
	/** Longest silence allowed between two chunks of a stream. */
	'relay.stream_idle_timeout_ms': { schema: z.number().int().min(100).max(3_600_000), default: 120_000 },
	/**
	 * After a client leaves mid-answer, how long the upstream is still read for its usage report
	 * (the call is billed by it: docs/billing.md); 0 = cut the upstream at once.
	 */
	'relay.client_gone_drain_ms': { schema: z.number().int().min(0).max(60_000), default: 5_000 },
	/** Consecutive failures that open a channel's breaker. */
	'breaker.failure_threshold': { schema: z.number().int().min(1).max(1000), default: 5 },
	/** How long an open breaker keeps its channel out before letting one probe through. */
	'breaker.cooldown_seconds': { schema: seconds(86_400), default: 30 },
	/** Cool-down for a 429 that names no retry-after. */
	'relay.rate_limit_cooldown_seconds': { schema: seconds(3600), default: 10 },
	/** How long a channel that answered 404 for a model is skipped for that model. */
	'relay.model_unavailable_seconds': { schema: seconds(86_400), default: 600 },
	/**
	 * Refusals (403, 404, 429, 503 … before any upstream) logged per API key per minute; the
	 * rest are counted in metrics and folded into the key's next refusal row (relay/refusals.ts).
	 * 0 = refusals are only counted.
	 */
	'relay.refusal_logs_per_minute': { schema: z.number().int().min(0).max(10_000), default: 10 },
	/** First wait before probing an automatically disabled channel or key; doubles up to the max. */
	'health.probe_initial_seconds': { schema: seconds(86_400), default: 60 },
	'health.probe_max_seconds': { schema: seconds(86_400), default: 3600 },
	/** Serve models with no row in the price table, free of charge (otherwise they are refused). */
	'billing.allow_unpriced_models': { schema: z.boolean(), default: false },
	/** The group self-registered users join. */
	'accounts.signup_group': { schema: z.string().trim().min(1, { error: () => m.settings_v_signup_group() }).max(64), default: 'default' },
	/** Requests per minute given to new API keys that set no limit of their own; 0 = no limit. */
	'keys.default_rpm_limit': { schema: z.number().int().min(0).max(1_000_000), default: 0 },
	/** Tokens per minute given to new API keys that set no limit of their own; 0 = no limit. */
	'keys.default_tpm_limit': { schema: z.number().int().min(0).max(1_000_000_000), default: 0 },
	/** Starting balance of self-registered users, in quota units (500,000 = 1 USD). */
	'billing.signup_quota': { schema: z.number().int().min(0).max(1e15), default: 0 },
	/** Online top-ups: the currency charged (lower-case ISO 4217, as Stripe writes it). */
	'payments.currency': { schema: z.string().trim().toLowerCase().regex(/^[a-z]{3}$/, 'A three-letter currency code such as usd.'), default: 'usd' },
	/** USD of balance credited per unit of the currency paid (1 for USD; e.g. 0.14 for CNY). */
	'payments.usd_per_unit': { schema: z.number().positive().max(1_000_000), default: 1 },
	/** Smallest and largest top-up, in units of the currency (dollars, not cents). */
	'payments.min_amount': { schema: z.number().positive().max(1_000_000), default: 5 },
	'payments.max_amount': { schema: z.number().positive().max(1_000_000), default: 1000 },
	/** Bonus tiers in units of the currency: paying at least `pay` credits as if `get` were paid. */
	'payments.bonus_tiers': {
		schema: z
			.array(z.object({ pay: z.number().positive().max(1_000_000), get: z.number().positive().max(10_000_000) }))
			.max(20)
			.refine((tiers) => tiers.every((t) => t.get >= t.pay), 'A tier gives at least what is paid (get >= pay).'),
		default: [] as Array<{ pay: number; get: number }>
	},
	/**
	 * What "today" and the days of the console's charts are: the viewer's own days (their
	 * browser's time zone) or UTC days for everyone, as the usage API counts them.
	 */
	'console.day_zone': { schema: z.enum(['viewer', 'utc']), default: 'viewer' as 'viewer' | 'utc' },
	/** Request log rows older than this many days are deleted (daily usage totals are kept); 0 = keep forever. */
	'logs.retention_days': { schema: z.number().int().min(0).max(36_500), default: 0 }
} as const;

export type OptionKey = keyof typeof optionDefinitions;
export type OptionValue<K extends OptionKey> = z.infer<(typeof optionDefinitions)[K]['schema']>;
export type Options = { [K in OptionKey]: OptionValue<K> };

/** The stored value, or the default when unset or no longer valid under the schema. */
export function optionValue<K extends OptionKey>(key: K, stored: unknown): OptionValue<K> {
	const def = optionDefinitions[key];
	const parsed = def.schema.safeParse(stored);
	return (parsed.success ? parsed.data : def.default) as OptionValue<K>;
}

/** Every option at its default. */
export function defaultOptions(): Options {
	const all = {} as Record<OptionKey, unknown>;
	for (const key of Object.keys(optionDefinitions) as OptionKey[]) all[key] = optionDefinitions[key].default;
	return all as Options;
}
