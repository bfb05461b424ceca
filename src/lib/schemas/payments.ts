import * as z from 'zod';
import { formatNumber } from '../i18n/format';
import { m } from '../paraglide/messages';
import { pageQuery } from './common';

export const paymentOrderStatus = z.enum(['pending', 'paid', 'expired', 'refunded']);

/** A top-up request: the amount in units of the configured currency (dollars, not cents). */
export const checkoutInput = z.object({
	amount: z
		.number({ error: () => m.topup_v_enter_amount() })
		.positive({ error: () => m.topup_v_amount_positive() })
		.max(1_000_000, { error: () => m.topup_v_amount_max({ max: formatNumber(1_000_000) }) })
});

export const paymentListQuery = pageQuery.extend({
	status: paymentOrderStatus.optional(),
	userId: z.coerce.number().int().min(1).optional()
});

/**
 * The two Stripe secrets. Omitted or sent back as shown (masked): the stored one is kept.
 * An empty string removes it, which turns online payment off.
 */
export const paymentSecretsInput = z.object({
	stripeSecretKey: z.string().trim().max(500).optional(),
	stripeWebhookSecret: z.string().trim().max(500).optional()
});

export type CheckoutInput = z.input<typeof checkoutInput>;
export type PaymentListQuery = z.output<typeof paymentListQuery>;
