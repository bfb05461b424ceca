import { fail } from '@sveltejs/kit';
import { message, setError, superValidate } from 'sveltekit-superforms';
import { zod4 } from 'sveltekit-superforms/adapters';
import * as z from 'zod';
import { patchOptions } from '$lib/server/services/options';
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

const amount = (what: string) =>
	z.number({ error: `Enter the ${what} amount.` }).positive(`The ${what} amount must be above zero.`).max(1_000_000, `At most 1,000,000.`);

const paymentSettingsForm = z
	.object({
		stripeSecretKey: z.string().trim().max(500).default(''),
		stripeWebhookSecret: z.string().trim().max(500).default(''),
		currency: z.string().trim().toLowerCase().regex(/^[a-z]{3}$/, 'A three-letter currency code such as usd.').default('usd'),
		usdPerUnit: z.number({ error: 'Enter a rate.' }).positive('The rate must be above zero.').max(1_000_000, 'At most 1,000,000.').default(1),
		minAmount: amount('smallest').default(5),
		maxAmount: amount('largest').default(1000),
		bonusTiers: z.string().max(2000).default('')
	})
	.superRefine((data, ctx) => {
		if (data.minAmount > data.maxAmount) ctx.addIssue({ code: 'custom', path: ['maxAmount'], message: 'The largest amount must be at least the smallest.' });
		const tiers = parseTiers(data.bonusTiers);
		if (tiers === null) ctx.addIssue({ code: 'custom', path: ['bonusTiers'], message: 'One tier a line as pay=get, e.g. 20=22.' });
		else if (tiers.some((t) => t.get < t.pay)) ctx.addIssue({ code: 'custom', path: ['bonusTiers'], message: 'A tier gives at least what is paid (get ≥ pay).' });
		else if (tiers.length > 20) ctx.addIssue({ code: 'custom', path: ['bonusTiers'], message: 'At most 20 tiers.' });
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
	const raw = Object.fromEntries([...event.url.searchParams].filter(([, v]) => v !== ''));
	const parsed = paymentListQuery.safeParse({ perPage: 25, ...raw });
	const query = parsed.success ? parsed.data : paymentListQuery.parse({ perPage: 25 });
	const [settings, orders] = await Promise.all([getPaymentSettings(ctx, actor), listPaymentOrders(ctx, actor, query)]);
	return {
		form: await superValidate(formValues(settings), zod4(paymentSettingsForm), { id: 'payments', errors: false }),
		enabled: settings.enabled,
		canEdit: user.role === 'root',
		orders,
		filters: { status: query.status ?? '', userId: query.userId ? String(query.userId) : '' }
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
				return setError(form, field, 'Paste the whole secret, not its masked form.');
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
				text: saved.enabled ? 'Saved. Online payments are on.' : 'Saved. Online payments stay off until both Stripe secrets are set.'
			} satisfies Notice);
		} catch (err) {
			if (!(err instanceof ServiceError)) throw err;
			hideSecrets();
			const field = err.field ? FIELD_OF[err.field] : undefined;
			if (field) return setError(form, field, err.detail, { status: err.status as 400 });
			return message(form, { kind: 'error', text: err.message } satisfies Notice, { status: err.status as 400 });
		}
	}
};
