import Stripe from 'stripe';
import type { CheckoutRequest, CheckoutSession, PaymentEvent, PaymentProvider } from './provider';

export interface StripeApiAddress {
	host?: string;
	port?: number;
	protocol?: 'http' | 'https';
}

function orderIdOf(metadata: Record<string, string> | null | undefined, key: string): number | null {
	const n = Number(metadata?.[key]);
	return Number.isSafeInteger(n) && n > 0 ? n : null;
}

function idOf(value: string | { id: string } | null | undefined): string | null {
	if (!value) return null;
	return typeof value === 'string' ? value : value.id;
}

export class StripeProvider implements PaymentProvider {
	readonly name = 'stripe';
	readonly #stripe: Stripe;
	readonly #webhookSecret: string;

	constructor(secretKey: string, webhookSecret: string, address: StripeApiAddress = {}) {
		const { host, port, protocol } = address;
		this.#stripe = new Stripe(secretKey, {
			...(host ? { host } : {}),
			...(port ? { port } : {}),
			...(protocol ? { protocol } : {}),
			maxNetworkRetries: 1,
			timeout: 20_000
		});
		this.#webhookSecret = webhookSecret;
	}

	async createCheckout(request: CheckoutRequest): Promise<CheckoutSession> {
		const metadata = { order_id: String(request.orderId), user_id: String(request.userId) };
		const session = await this.#stripe.checkout.sessions.create(
			{
				mode: 'payment',
				line_items: [
					{
						quantity: 1,
						price_data: { currency: request.currency, unit_amount: request.amount, product_data: { name: request.description } }
					}
				],
				client_reference_id: String(request.orderId),
				metadata,
				payment_intent_data: { metadata },
				success_url: request.successUrl,
				cancel_url: request.cancelUrl
			},
			// A retried request (network failure) must not open a second session for one order.
			{ idempotencyKey: `elygate-order-${request.orderId}` }
		);
		if (!session.url) throw new Error('Stripe returned a Checkout Session without a URL');
		return { sessionId: session.id, url: session.url };
	}

	async verifyEvent(rawBody: string, signature: string | null): Promise<PaymentEvent> {
		if (!signature) throw new Error('No Stripe-Signature header');
		// Default tolerance (300 s): an old event replayed later is refused. The async form of
		// constructEvent: under Bun the package uses Web Crypto, which only verifies asynchronously.
		const event = await this.#stripe.webhooks.constructEventAsync(rawBody, signature, this.#webhookSecret);
		switch (event.type) {
			case 'checkout.session.completed':
			case 'checkout.session.async_payment_succeeded': {
				const s = event.data.object;
				if (s.payment_status !== 'paid') return { id: event.id, kind: 'ignored', type: `${event.type} (${s.payment_status})` };
				return {
					id: event.id,
					kind: 'paid',
					sessionId: s.id,
					orderId: orderIdOf(s.metadata, 'order_id'),
					userId: orderIdOf(s.metadata, 'user_id'),
					amount: s.amount_total ?? -1,
					currency: (s.currency ?? '').toLowerCase(),
					paymentId: idOf(s.payment_intent)
				};
			}
			case 'checkout.session.expired': {
				const s = event.data.object;
				return { id: event.id, kind: 'expired', sessionId: s.id, orderId: orderIdOf(s.metadata, 'order_id') };
			}
			case 'charge.refunded': {
				const c = event.data.object;
				const paymentId = idOf(c.payment_intent);
				if (!paymentId) return { id: event.id, kind: 'ignored', type: `${event.type} (no payment intent)` };
				return { id: event.id, kind: 'refunded', paymentId, fully: c.refunded };
			}
			default:
				return { id: event.id, kind: 'ignored', type: event.type };
		}
	}
}
