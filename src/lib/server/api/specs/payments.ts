import { checkoutInput, paymentListQuery, paymentSecretsInput } from '../../../schemas/payments';
import { services } from '../../app/services';
import { createCheckout, getPaymentSettings, handleWebhook, listPaymentOrders, setPaymentSecrets } from '../../services/payments';
import { endpoint } from '../endpoint';
import { checkoutStartedView, pageOf, paymentOrderView, paymentSettingsView, webhookOutcomeView } from '../views';

export const checkoutEndpoint = endpoint({
	method: 'POST',
	path: '/api/payments/checkout',
	summary:
		'Start an online top-up for the signed-in user: a pending order and the payment page URL. Nothing is credited until the provider confirms the payment; 404 when online payment is off',
	tag: 'Billing',
	access: 'authenticated',
	body: checkoutInput,
	response: checkoutStartedView,
	status: 201,
	handle: ({ svc, actor, body, event }) => {
		const config = services().config;
		return createCheckout(svc, actor, body, { stripeApi: config.stripeApi, origin: config.origin ?? event.url.origin });
	}
});

export const listPaymentsEndpoint = endpoint({
	method: 'GET',
	path: '/api/payments',
	summary: "Online top-up orders, newest first: a user's own; readers see everyone's, filterable by user and status",
	tag: 'Billing',
	access: 'authenticated',
	query: paymentListQuery,
	response: pageOf(paymentOrderView, 'PaymentOrderPage'),
	handle: ({ svc, actor, query }) => listPaymentOrders(svc, actor, query)
});

export const paymentSettingsEndpoint = endpoint({
	method: 'GET',
	path: '/api/payments/settings',
	summary: 'Online payment settings, the Stripe secrets masked (the other settings are the payments.* options)',
	tag: 'Billing',
	access: 'reader',
	response: paymentSettingsView,
	handle: ({ svc, actor }) => getPaymentSettings(svc, actor)
});

export const setPaymentSecretsEndpoint = endpoint({
	method: 'PATCH',
	path: '/api/payments/settings',
	summary: "Set the Stripe secret key and webhook signing secret (root). A masked value sent back keeps the stored one; '' removes it and turns online payment off",
	tag: 'Billing',
	access: 'root',
	body: paymentSecretsInput,
	response: paymentSettingsView,
	handle: ({ svc, actor, body }) => setPaymentSecrets(svc, actor, body)
});

export const stripeWebhookEndpoint = endpoint({
	method: 'POST',
	path: '/api/payments/stripe/webhook',
	summary:
		"Stripe's webhook. Authenticated by the Stripe-Signature header over the raw body (no session, no token); 400 when it does not verify or names no known order, 404 while online payment is off",
	tag: 'Billing',
	access: 'public',
	response: webhookOutcomeView,
	// The body is read raw, here, never parsed before the signature is checked.
	handle: async ({ svc, event }) => {
		const raw = await event.request.text();
		return handleWebhook(svc, raw, event.request.headers.get('stripe-signature'), { stripeApi: services().config.stripeApi });
	}
});
