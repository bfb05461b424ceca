import { fail } from '@sveltejs/kit';
import { message, setError, superValidate } from 'sveltekit-superforms';
import { zod4 } from 'sveltekit-superforms/adapters';
import * as z from 'zod';
import { formatNumber } from '$lib/i18n/format';
import { m } from '$lib/paraglide/messages';
import { patchOptions } from '$lib/server/services/options';
import { usernamesOf } from '$lib/server/services/users';
import { lookUpUser, userSuggestions } from '$lib/server/ui/user-lookup';
import { getPaymentSettings, listPaymentOrders, setPaymentSecrets, type PaymentSettings } from '$lib/server/services/payments';
import { ServiceError } from '$lib/server/services/errors';
import { paymentListQuery } from '$lib/schemas/payments';
import type { Notice } from '$lib/components/admin-settings/notice';
import { pageContext } from '$lib/server/ui/page-context';
import type { Actions, PageServerLoad } from './$types';

/** "pay=get" a line -> tiers; null when a line does not read as two positive numbers. */
function parseTiers(text: string): Array<{ pay: number; get: number }> | null {
	const tiers: Array<{ pay: number; get: number }> = [];
	for (const line of text.split('\n').map((l) => l.trim()).filter(Boolean)) {
		const match = /^(\d+(?:\.\d+)?)\s*=\s*(\d+(?:\.\d+)?)$/.exec(line);
		if (!match) return null;
		tiers.push({ pay: Number(match[1]), get: Number(match[2]) });
	}
	return tiers;
}

const atMost = () => m.payments_v_at_most({ max: formatNumber(1_000_000) });
const amount = (enter: () => string, positive: () => string) =>
	z.number({ error: enter }).positive({ error: positive }).max(1_000_000, { error: atMost });

const paymentSettingsForm = z
	.object({
		stripeSecretKey: z.string().trim().max(500).default(''),
		stripeWebhookSecret: z.string().trim().max(500).default(''),
		currency: z
			.string()
			.trim()
			.toLowerCase()
			.regex(/^[a-z]{3}$/, { error: () => m.payments_v_currency() })
			.default('usd'),
		usdPerUnit: z
			.number({ error: () => m.payments_v_rate_enter() })
			.positive({ error: () => m.payments_v_rate_positive() })
			.max(1_000_000, { error: atMost })
			.default(1),
		minAmount: amount(() => m.payments_v_min_enter(), () => m.payments_v_min_positive()).default(5),
		maxAmount: amount(() => m.payments_v_max_enter(), () => m.payments_v_max_positive()).default(1000),
		bonusTiers: z.string().max(2000, { error: () => m.payments_v_tiers_long() }).default('')
	})
	.superRefine((data, ctx) => {
		if (data.minAmount > data.maxAmount) ctx.addIssue({ code: 'custom', path: ['maxAmount'], message: m.payments_v_max_below_min() });
		const tiers = parseTiers(data.bonusTiers);
		if (tiers === null) ctx.addIssue({ code: 'custom', path: ['bonusTiers'], message: m.payments_v_tiers_format() });
		else if (tiers.some((t) => t.get < t.pay)) ctx.addIssue({ code: 'custom', path: ['bonusTiers'], message: m.payments_v_tiers_less() });
		else if (tiers.length > 20) ctx.addIssue({ code: 'custom', path: ['bonusTiers'], message: m.payments_v_tiers_many({ max: formatNumber(20) }) });
	});

type FormData = z.infer<typeof paymentSettingsForm>;

function formValues(s: PaymentSettings): FormData {
	return {
		stripeSecretKey: s.stripeSecretKey,
		stripeWebhookSecret: s.stripeWebhookSecret,
		currency: s.currency,
		usdPerUnit: s.usdPerUnit,
		minAmount: s.minAmount,
		maxAmount: s.maxAmount,
		bonusTiers: s.bonusTiers.map((t) => `${t.pay}=${t.get}`).join('\n')
	};
}

const FIELD_OF: Record<string, keyof FormData> = {
	'payments.currency': 'currency',
	'payments.usd_per_unit': 'usdPerUnit',
	'payments.min_amount': 'minAmount',
	'payments.max_amount': 'maxAmount',
	'payments.bonus_tiers': 'bonusTiers',
	stripeSecretKey: 'stripeSecretKey',
	stripeWebhookSecret: 'stripeWebhookSecret'
};

export const load: PageServerLoad = async (event) => {
	const { user, actor, svc: ctx } = pageContext(event, 'admin');
	const q = event.url.searchParams;
	const raw = Object.fromEntries([...q].filter(([k, v]) => v !== '' && k !== 'user' && k !== 'userId'));
	const parsed = paymentListQuery.safeParse({ perPage: 25, ...raw });
	const query = parsed.success ? parsed.data : paymentListQuery.parse({ perPage: 25 });
	// The user filter is a username (or an id, for links made before names were used).
	const userText = q.get('user') ?? q.get('userId') ?? '';
	const person = await lookUpUser(ctx, actor, userText);
	const userError = person && 'error' in person ? person.error : null;
	query.userId = person && 'id' in person ? person.id : undefined;
	const [settings, orders, usernames] = await Promise.all([
		getPaymentSettings(ctx, actor),
		userError ? { items: [], total: 0, page: query.page, perPage: query.perPage } : listPaymentOrders(ctx, actor, query),
		userSuggestions(ctx, actor)
	]);
	const names = await usernamesOf(ctx, actor, orders.items.map((o) => o.userId));
	return {
		form: await superValidate(formValues(settings), zod4(paymentSettingsForm), { id: 'payments', errors: false }),
		enabled: settings.enabled,
		canEdit: user.role === 'root',
		orders: { ...orders, items: orders.items.map((o) => ({ ...o, username: names.get(o.userId) ?? null })) },
		usernames,
		userError,
		filters: { status: query.status ?? '', user: person && 'username' in person ? person.username : userText }
	};
};

export const actions: Actions = {
	default: async (event) => {
		const { actor, svc: ctx } = pageContext(event, 'admin');
		const form = await superValidate(event.request, zod4(paymentSettingsForm), { id: 'payments' });
		const stored = await getPaymentSettings(ctx, actor);
		// A secret typed in never goes back to the browser: on any refusal the fields show the stored masks again.
		const hideSecrets = () => {
			form.data.stripeSecretKey = stored.stripeSecretKey;
			form.data.stripeWebhookSecret = stored.stripeWebhookSecret;
		};
		if (!form.valid) {
			hideSecrets();
			return fail(400, { form });
		}
		for (const field of ['stripeSecretKey', 'stripeWebhookSecret'] as const) {
			const value = form.data[field];
			if (value !== '' && value !== stored[field] && value.includes('…')) {
				hideSecrets();
				return setError(form, field, m.payments_secret_masked());
			}
		}
		const { stripeSecretKey, stripeWebhookSecret, ...rest } = form.data;
		try {
			await patchOptions(ctx, actor, {
				'payments.currency': rest.currency,
				'payments.usd_per_unit': rest.usdPerUnit,
				'payments.min_amount': rest.minAmount,
				'payments.max_amount': rest.maxAmount,
				'payments.bonus_tiers': parseTiers(rest.bonusTiers) ?? []
			});
			const saved = await setPaymentSecrets(ctx, actor, { stripeSecretKey, stripeWebhookSecret });
			form.data = formValues(saved);
			return message(form, {
				kind: 'ok',
				text: saved.enabled ? m.payments_saved_on() : m.payments_saved_off()
			} satisfies Notice);
		} catch (err) {
			if (!(err instanceof ServiceError)) throw err;
			hideSecrets();
			const field = err.field ? FIELD_OF[err.field] : undefined;
			if (field) return setError(form, field, err.localizedDetail(), { status: err.status as 400 });
			return message(form, { kind: 'error', text: err.localizedMessage() } satisfies Notice, { status: err.status as 400 });
		}
	}
};
