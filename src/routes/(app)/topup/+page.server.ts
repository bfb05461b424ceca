import { fail, redirect } from '@sveltejs/kit';
import { message, setError, superValidate } from 'sveltekit-superforms';
import { zod4 } from 'sveltekit-superforms/adapters';
import { m } from '$lib/paraglide/messages';
import { redeemCodeForm } from '$lib/schemas/billing';
import { checkoutInput } from '$lib/schemas/payments';
import { services } from '$lib/server/app/services';
import { myBalanceHistory } from '$lib/server/services/balances';
import { RateLimitedError, ServiceError } from '$lib/server/services/errors';
import { createCheckout, getMyPaymentOrder, listPaymentOrders, paymentOffer } from '$lib/server/services/payments';
import { redeemCode } from '$lib/server/services/redemptions';
import { pageContext } from '$lib/server/ui/page-context';
import type { Actions, PageServerLoad } from './$types';

export type RedeemMessage = { kind: 'success'; text: string; credited: number; balance: number } | { kind: 'error'; text: string };

const PER_PAGE = 20;
const ORDERS_PER_PAGE = 10;

export const load: PageServerLoad = async (event) => {
	const { actor, svc } = pageContext(event, 'user');
	const before = event.url.searchParams.get('before') ?? undefined;
	const history = await myBalanceHistory(svc, actor, { before, limit: PER_PAGE }).catch((err: unknown) => {
		// A hand-edited cursor is not worth an error page: start from the newest.
		if (err instanceof ServiceError && err.code === 'invalid_request') return myBalanceHistory(svc, actor, { limit: PER_PAGE });
		throw err;
	});
	const ordersPage = Math.max(1, Number.parseInt(event.url.searchParams.get('page') ?? '1', 10) || 1);
	const returnedId = Number.parseInt(event.url.searchParams.get('order') ?? '', 10);
	const [offer, orders, returned] = await Promise.all([
		paymentOffer(svc),
		listPaymentOrders(svc, actor, { page: ordersPage, perPage: ORDERS_PER_PAGE }),
		Number.isSafeInteger(returnedId) ? getMyPaymentOrder(svc, actor, returnedId) : Promise.resolve(null)
	]);
	return {
		form: await superValidate(zod4(redeemCodeForm)),
		// Starts at the smallest amount allowed; nothing typed yet, so no errors shown.
		payForm: await superValidate({ amount: offer.minAmount }, zod4(checkoutInput), { errors: false, id: 'pay' }),
		offer,
		orders,
		returned,
		outcome: event.url.searchParams.get('payment') === 'cancel' ? ('cancel' as const) : ('success' as const),
		history,
		paged: before !== undefined
	};
};

export const actions: Actions = {
	/** Opens a Stripe Checkout for the amount and sends the browser there; nothing is credited until the webhook. */
	pay: async (event) => {
		const { actor, svc } = pageContext(event, 'user');
		const form = await superValidate(event.request, zod4(checkoutInput), { id: 'pay' });
		if (!form.valid) return fail(400, { payForm: form });
		const { config } = services();
		let url: string;
		try {
			const deps = { stripeApi: config.stripeApi, origin: config.origin ?? event.url.origin };
			url = (await createCheckout(svc, actor, form.data, deps)).url;
		} catch (err) {
			if (err instanceof ServiceError && err.field === 'amount') return setError(form, 'amount', err.localizedDetail(), { status: 400 });
			if (err instanceof ServiceError) return message(form, { kind: 'error', text: err.localizedMessage() } satisfies RedeemMessage, { status: err.status as 400 });
			throw err;
		}
		redirect(303, url);
	},
	redeem: async (event) => {
		const { actor, svc } = pageContext(event, 'user');
		const form = await superValidate(event.request, zod4(redeemCodeForm));
		if (!form.valid) return fail(400, { form });
		try {
			const done = await redeemCode(svc, actor, form.data, { limiter: services().redeemLimiter, ip: event.locals.clientIp });
			form.data.code = '';
			return message(form, { kind: 'success', text: m.topup_redeemed(), credited: done.credited, balance: done.balance });
		} catch (err) {
			if (err instanceof RateLimitedError) {
				const minutes = Math.max(1, Math.ceil(err.retryAfterMs / 60_000));
				const text = minutes === 1 ? m.topup_rate_limited_one() : m.topup_rate_limited({ minutes });
				return message(form, { kind: 'error', text }, { status: 429 });
			}
			if (err instanceof ServiceError && (err.field === 'code' || err.code.startsWith('code_'))) {
				return setError(form, 'code', err.localizedDetail(), { status: err.status === 409 ? 409 : 400 });
			}
			if (err instanceof ServiceError) return message(form, { kind: 'error', text: err.localizedMessage() }, { status: err.status as 400 });
			throw err;
		}
	}
};
