/**
 * What Elygate needs from an online payment provider. Only Stripe exists; another provider
 * implements the same two calls and its webhook route maps its events onto `PaymentEvent`.
 */
export interface CheckoutRequest {
	orderId: number;
	userId: number;
	/** In the currency's minor units (cents). */
	amount: number;
	currency: string;
	description: string;
	successUrl: string;
	cancelUrl: string;
}

export interface CheckoutSession {
	sessionId: string;
	/** Where the user's browser is sent to pay. */
	url: string;
}

/** A verified webhook event, reduced to what changes an order. */
export type PaymentEvent =
	| {
			id: string;
			kind: 'paid';
			sessionId: string;
			/** From the provider's metadata; checked against the stored order. */
			orderId: number | null;
			userId: number | null;
			/** What the provider says was paid, in minor units. */
			amount: number;
			currency: string;
			paymentId: string | null;
	  }
	| { id: string; kind: 'expired'; sessionId: string; orderId: number | null }
	| { id: string; kind: 'refunded'; paymentId: string; fully: boolean }
	| { id: string; kind: 'ignored'; type: string };

export interface PaymentProvider {
	readonly name: string;
	createCheckout(request: CheckoutRequest): Promise<CheckoutSession>;
	/** Verifies the signature over the raw body and parses it; throws when anything is wrong. */
	verifyEvent(rawBody: string, signature: string | null): Promise<PaymentEvent>;
}

/** Currencies whose amounts have no minor unit (Stripe's list of zero-decimal currencies). */
const ZERO_DECIMAL = new Set(['bif', 'clp', 'djf', 'gnf', 'jpy', 'kmf', 'krw', 'mga', 'pyg', 'rwf', 'ugx', 'vnd', 'vuv', 'xaf', 'xof', 'xpf']);

/** Minor units in one unit of the currency: 100 for usd, 1 for jpy. */
export function minorPerUnit(currency: string): number {
	return ZERO_DECIMAL.has(currency.toLowerCase()) ? 1 : 100;
}
