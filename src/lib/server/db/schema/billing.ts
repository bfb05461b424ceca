import { sql } from 'drizzle-orm';
import * as t from 'drizzle-orm/pg-core';
import { quota, timestamps, timestamptz } from './columns';
import { users } from './users';

/** Prices by public model name; ratio 1 = USD 2 per million tokens (New-API's scale). */
export const modelPrices = t.pgTable('model_prices', {
	model: t.text('model').primaryKey(),
	modelRatio: t.doublePrecision('model_ratio').notNull(),
	completionRatio: t.doublePrecision('completion_ratio').notNull().default(1),
	cacheReadRatio: t.doublePrecision('cache_read_ratio'),
	cacheWriteRatio: t.doublePrecision('cache_write_ratio'),
	/** A fixed price per request in USD replaces the token formula when set. */
	pricePerRequestUsd: t.doublePrecision('price_per_request_usd'),
	/** Output tokens reserved when the client gives no max_tokens. */
	defaultOutputReserve: t.integer('default_output_reserve').notNull().default(4096),
	source: t.text('source'),
	...timestamps
});

export const redemptionStatus = t.pgEnum('redemption_status', ['unused', 'used', 'disabled']);

export const redemptionCodes = t.pgTable(
	'redemption_codes',
	{
		id: t.integer('id').primaryKey().generatedAlwaysAsIdentity(),
		name: t.text('name').notNull(),
		/** SHA-256 (hex) of the code; codes are shown once, like API keys. */
		codeHash: t.text('code_hash').notNull().unique(),
		prefix: t.text('prefix').notNull(),
		quota: quota('quota').notNull(),
		status: redemptionStatus('status').notNull().default('unused'),
		createdBy: t.integer('created_by').references(() => users.id),
		redeemedBy: t.integer('redeemed_by').references(() => users.id),
		redeemedAt: timestamptz('redeemed_at'),
		expiresAt: timestamptz('expires_at'),
		...timestamps
	},
	(tbl) => [t.index('redemption_codes_status_idx').on(tbl.status)]
);

export const balanceChangeReason = t.pgEnum('balance_change_reason', [
	'initial',
	'redeem',
	'admin',
	'refund',
	'topup',
	/** The opening balance of an account brought over from New-API (it stands in for 'initial'). */
	'import'
]);

/** Every balance change that is not a metered call (those are request_logs rows). */
export const balanceChanges = t.pgTable(
	'balance_changes',
	{
		id: t.bigint('id', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
		userId: t
			.integer('user_id')
			.notNull()
			.references(() => users.id),
		delta: quota('delta').notNull(),
		/** The balance right after this change, from the same UPDATE ... RETURNING. */
		balanceAfter: quota('balance_after'),
		reason: balanceChangeReason('reason').notNull(),
		/** What caused it: a redemption code id, an order id, ... */
		reference: t.text('reference'),
		actorId: t.integer('actor_id').references(() => users.id),
		note: t.text('note'),
		createdAt: timestamptz('created_at').notNull().defaultNow()
	},
	(tbl) => [
		// Ids grow with time: a user's history newest first, paged by id.
		t.index('balance_changes_user_idx').on(tbl.userId, tbl.id),
		// A code or a paid order credits a balance at most once, and a refunded order is taken
		// back at most once, whatever retries happen. (An imported account's opening balance is
		// kept to once by imported_rows' key, written in the same transaction.)
		t
			.uniqueIndex('balance_changes_credit_once')
			.on(tbl.reason, tbl.reference)
			.where(sql`${tbl.reason} in ('redeem', 'topup', 'refund') and ${tbl.reference} is not null`)
	]
);

export const paymentOrderStatus = t.pgEnum('payment_order_status', ['pending', 'paid', 'expired', 'refunded']);

/** An online top-up: created pending at checkout, paid only by a verified provider webhook. */
export const paymentOrders = t.pgTable(
	'payment_orders',
	{
		id: t.integer('id').primaryKey().generatedAlwaysAsIdentity(),
		userId: t
			.integer('user_id')
			.notNull()
			.references(() => users.id),
		/** In the currency's minor units (cents); once paid, what the provider says was paid. */
		amount: t.bigint('amount', { mode: 'number' }).notNull(),
		/** Lower-case ISO 4217 code, as Stripe writes it. */
		currency: t.text('currency').notNull(),
		/** Quota to credit (the estimate at checkout; once paid, what was credited). */
		quota: quota('quota').notNull(),
		status: paymentOrderStatus('status').notNull().default('pending'),
		provider: t.text('provider').notNull().default('stripe'),
		providerSessionId: t.text('provider_session_id').unique(),
		/** The provider's payment (a Stripe PaymentIntent id), which refunds name. */
		providerPaymentId: t.text('provider_payment_id'),
		/** Webhook events applied to this order, in arrival order. */
		providerEventIds: t.text('provider_event_ids').array().notNull().default(sql`'{}'::text[]`),
		...timestamps,
		paidAt: timestamptz('paid_at'),
		refundedAt: timestamptz('refunded_at')
	},
	(tbl) => [
		t.index('payment_orders_user_idx').on(tbl.userId, tbl.id),
		t.index('payment_orders_status_idx').on(tbl.status),
		t.index('payment_orders_payment_idx').on(tbl.providerPaymentId)
	]
);

export type PaymentOrder = typeof paymentOrders.$inferSelect;
export type ModelPrice = typeof modelPrices.$inferSelect;
export type RedemptionCode = typeof redemptionCodes.$inferSelect;
export type BalanceChange = typeof balanceChanges.$inferSelect;
