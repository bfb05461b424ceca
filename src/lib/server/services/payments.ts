import { and, desc, eq, sql, type SQL } from 'drizzle-orm';
import * as z from 'zod';
import { QUOTA_PER_USD, quotaToUsd } from '../../money';
import { m } from '../../paraglide/messages';
import { checkoutInput, paymentSecretsInput, type PaymentListQuery } from '../../schemas/payments';
import type { Page } from '../../schemas/common';
import type { DbLike } from '../db';
import { isUniqueViolation } from '../db/errors';
import { options, paymentOrders, type PaymentOrder } from '../db/schema';
import { minorPerUnit, type PaymentEvent, type PaymentProvider } from '../payments/provider';
import { StripeProvider, type StripeApiAddress } from '../payments/stripe';
import { maskSecret, type SecretBox } from '../security/crypto';
import { actingUserId, requireReader, requireRoot, type Actor } from './actor';
import { writeAudit } from './audit';
import { changeBalance } from './balances';
import type { ServiceContext } from './context';
import { ServiceError, fieldError, notFound, parseInput, say } from './errors';
import { withChanges } from './notify';
import { loadOptions } from './options-store';

/*
 * Online top-ups. A checkout only creates a pending order; money is credited solely by a
 * webhook whose signature verified, from the amount the provider says was paid, once per
 * order (the conditional pending -> paid UPDATE, with the balance_changes unique index on
 * (topup, order id) behind it).
 *
 * Refund policy: a fully refunded charge takes the order's credited quota back, once, even if
 * part of it was already spent, so the balance may go below zero; calls are then refused
 * until the user tops up again. A partial refund changes nothing here: an administrator
 * adjusts the balance by hand if wanted.
 */

const SECRET_KEY = 'secrets.payments.stripe_secret_key';
const WEBHOOK_SECRET = 'secrets.payments.stripe_webhook_secret';
const sealedSecret = z.object({ sealed: z.string(), hint: z.string() });

export interface PaymentDeps {
	/** Where the Stripe API is reached (a proxy or a test mock); Stripe's own host when empty. */
	stripeApi?: StripeApiAddress;
	/** Elygate's public origin, for the URLs Stripe sends the browser back to. */
	origin: string;
	/** Replaces the Stripe provider (tests of another provider). */
	provider?: PaymentProvider;
}

async function readSealed(db: DbLike, key: string): Promise<z.infer<typeof sealedSecret> | null> {
	const [row] = await db.select({ value: options.value }).from(options).where(eq(options.key, key));
	const parsed = sealedSecret.safeParse(row?.value);
	return parsed.success ? parsed.data : null;
}

async function openSecret(db: DbLike, secrets: SecretBox, key: string): Promise<string> {
	const stored = await readSealed(db, key);
	return stored ? secrets.decrypt(stored.sealed) : '';
}

/** The provider, or null while either secret is missing: an empty secret never enables payments. */
async function providerOf(ctx: ServiceContext, deps: Pick<PaymentDeps, 'stripeApi' | 'provider'>): Promise<PaymentProvider | null> {
	const [key, webhook] = await Promise.all([openSecret(ctx.db, ctx.secrets, SECRET_KEY), openSecret(ctx.db, ctx.secrets, WEBHOOK_SECRET)]);
	if (key.trim() === '' || webhook.trim() === '') return null;
	return deps.provider ?? new StripeProvider(key, webhook, deps.stripeApi);
}

export interface PaymentSettings {
	enabled: boolean;
	/** Masked ("sk_…9f2c"), or '' when unset. */
	stripeSecretKey: string;
	stripeWebhookSecret: string;
	currency: string;
	usdPerUnit: number;
	minAmount: number;
	maxAmount: number;
	bonusTiers: Array<{ pay: number; get: number }>;
}

async function settingsOf(db: DbLike): Promise<PaymentSettings> {
	const [opts, key, webhook] = await Promise.all([loadOptions(db), readSealed(db, SECRET_KEY), readSealed(db, WEBHOOK_SECRET)]);
	return {
		enabled: key !== null && webhook !== null,
		stripeSecretKey: key?.hint ?? '',
		stripeWebhookSecret: webhook?.hint ?? '',
		currency: opts['payments.currency'],
		usdPerUnit: opts['payments.usd_per_unit'],
		minAmount: opts['payments.min_amount'],
		maxAmount: opts['payments.max_amount'],
		bonusTiers: opts['payments.bonus_tiers']
	};
}

/** What the top-up page needs to know; the secrets only ever masked. */
export async function getPaymentSettings(ctx: ServiceContext, actor: Actor): Promise<PaymentSettings> {
	requireReader(actor);
	return settingsOf(ctx.db);
}

/** Whether the top-up page offers online payment, and within which limits (for any signed-in user). */
export async function paymentOffer(ctx: ServiceContext): Promise<Omit<PaymentSettings, 'stripeSecretKey' | 'stripeWebhookSecret'>> {
	const { stripeSecretKey: _k, stripeWebhookSecret: _w, ...rest } = await settingsOf(ctx.db);
	return rest;
}

/** Root sets or clears the Stripe secrets; a masked value sent back keeps the stored secret. */
export async function setPaymentSecrets(ctx: ServiceContext, actor: Actor, input: unknown): Promise<PaymentSettings> {
	requireRoot(actor);
	const data = parseInput(paymentSecretsInput, input);
	return ctx.db.transaction(async (tx) => {
		const before = await settingsOf(tx);
		const fields = [
			[SECRET_KEY, data.stripeSecretKey, before.stripeSecretKey, 'stripeSecretKey'],
			[WEBHOOK_SECRET, data.stripeWebhookSecret, before.stripeWebhookSecret, 'stripeWebhookSecret']
		] as const;
		for (const [key, value, shown, field] of fields) {
			if (value === undefined || (value !== '' && value === shown)) continue;
			if (value === '') {
				await tx.delete(options).where(eq(options.key, key));
				continue;
			}
			if (value.includes('…')) throw fieldError('invalid_request', field, say(m.payments_secret_masked, {}));
			const stored = { sealed: ctx.secrets.encrypt(value), hint: maskSecret(value) };
			await tx
				.insert(options)
				.values({ key, value: stored })
				.onConflictDoUpdate({ target: options.key, set: { value: stored, updatedAt: new Date() } });
		}
		const after = await settingsOf(tx);
		// Only the masked forms reach the audit log.
		await writeAudit(tx, actor, {
			action: 'payments.secrets',
			targetType: 'options',
			before: { enabled: before.enabled, stripeSecretKey: before.stripeSecretKey, stripeWebhookSecret: before.stripeWebhookSecret },
			after: { enabled: after.enabled, stripeSecretKey: after.stripeSecretKey, stripeWebhookSecret: after.stripeWebhookSecret }
		});
		return after;
	});
}

/**
 * Quota for `paid` units of the currency: the best bonus tier reached (paying at least `pay`
 * credits as if `get` were paid), at `usdPerUnit` USD per unit, 500,000 quota per USD.
 */
export function quotaForPayment(paid: number, settings: Pick<PaymentSettings, 'usdPerUnit' | 'bonusTiers'>): number {
	let credited = paid;
	for (const tier of settings.bonusTiers) {
		if (paid >= tier.pay) credited = Math.max(credited, paid + (tier.get - tier.pay));
	}
	const quota = Math.round(credited * settings.usdPerUnit * QUOTA_PER_USD);
	if (!Number.isSafeInteger(quota) || quota < 0) throw fieldError('invalid_request', 'amount', say(m.topup_err_amount_too_large, {}));
	return quota;
}

export type PaymentOrderView = PaymentOrder & {
	/** In units of the currency (dollars). */
	amountMajor: number;
	quotaUsd: number;
};

function view(row: PaymentOrder): PaymentOrderView {
	return { ...row, amountMajor: row.amount / minorPerUnit(row.currency), quotaUsd: quotaToUsd(row.quota) };
}

export interface CheckoutStarted {
	order: PaymentOrderView;
	/** Send the browser here to pay. */
	url: string;
}

/** Opens a checkout for the signed-in user: a pending order and the provider's payment page. */
export async function createCheckout(ctx: ServiceContext, actor: Actor, input: unknown, deps: PaymentDeps): Promise<CheckoutStarted> {
	const userId = actingUserId(actor);
	if (userId === null) throw new ServiceError('forbidden', say(m.topup_err_pay_token, {}));
	const { amount } = parseInput(checkoutInput, input);
	const provider = await providerOf(ctx, deps);
	if (!provider) throw new ServiceError('not_found', say(m.topup_err_payments_off, {}));
	const settings = await settingsOf(ctx.db);
	const minor = minorPerUnit(settings.currency);
	const amountMinor = Math.round(amount * minor);
	if (Math.abs(amountMinor - amount * minor) > 1e-6) {
		const currency = settings.currency.toUpperCase();
		throw fieldError('invalid_request', 'amount', minor === 1 ? say(m.topup_err_amount_whole, { currency }) : say(m.topup_err_amount_cents, { currency }));
	}
	if (amount < settings.minAmount || amount > settings.maxAmount) {
		const range = { min: String(settings.minAmount), max: String(settings.maxAmount), currency: settings.currency.toUpperCase() };
		throw fieldError('invalid_request', 'amount', say(m.topup_err_amount_range, range));
	}
	const quota = quotaForPayment(amountMinor / minor, settings);
	const [order] = await ctx.db
		.insert(paymentOrders)
		.values({ userId, amount: amountMinor, currency: settings.currency, quota, provider: provider.name })
		.returning();
	if (!order) throw new Error('insert returned no row');
	const back = (outcome: string) => `${deps.origin}/topup?order=${order.id}&payment=${outcome}`;
	const session = await provider.createCheckout({
		orderId: order.id,
		userId,
		amount: amountMinor,
		currency: settings.currency,
		description: `Elygate balance top-up (order ${order.id})`,
		successUrl: back('success'),
		cancelUrl: back('cancel')
	});
	const [stored] = await ctx.db
		.update(paymentOrders)
		.set({ providerSessionId: session.sessionId, updatedAt: new Date() })
		.where(eq(paymentOrders.id, order.id))
		.returning();
	return { order: view(stored ?? order), url: session.url };
}

/** A user's own orders; readers (administrators, read tokens) everyone's, filterable by user. */
export async function listPaymentOrders(ctx: ServiceContext, actor: Actor, query: PaymentListQuery): Promise<Page<PaymentOrderView>> {
	let userId = query.userId;
	const own = actingUserId(actor);
	if (actor.kind !== 'user' || actor.role !== 'user') requireReader(actor);
	else userId = own ?? undefined;
	const where: SQL | undefined = and(
		userId === undefined ? undefined : eq(paymentOrders.userId, userId),
		query.status ? eq(paymentOrders.status, query.status) : undefined
	);
	const [rows, [count]] = await Promise.all([
		ctx.db
			.select()
			.from(paymentOrders)
			.where(where)
			.orderBy(desc(paymentOrders.id))
			.limit(query.perPage)
			.offset((query.page - 1) * query.perPage),
		ctx.db.select({ n: sql<number>`count(*)::int` }).from(paymentOrders).where(where)
	]);
	return { items: rows.map(view), total: count?.n ?? 0, page: query.page, perPage: query.perPage };
}

/** One of the signed-in user's own orders (the top-up page after the provider sends them back), or null. */
export async function getMyPaymentOrder(ctx: ServiceContext, actor: Actor, orderId: number): Promise<PaymentOrderView | null> {
	const userId = actingUserId(actor);
	if (userId === null || !Number.isSafeInteger(orderId) || orderId < 1) return null;
	const [row] = await ctx.db
		.select()
		.from(paymentOrders)
		.where(and(eq(paymentOrders.id, orderId), eq(paymentOrders.userId, userId)));
	return row ? view(row) : null;
}

export interface WebhookOutcome {
	received: true;
	/** What this delivery did: credited, expired, refunded, or nothing (a duplicate or an ignored event). */
	result: 'credited' | 'expired' | 'refunded' | 'duplicate' | 'ignored';
}

const badEvent = (message: string) => new ServiceError('invalid_request', message);

/**
 * A provider's webhook. 404 while payments are not configured; 400 for anything that does not
 * verify or does not match an order, with nothing changed; otherwise 200, however often the
 * same event comes.
 */
export async function handleWebhook(
	ctx: ServiceContext,
	rawBody: string,
	signature: string | null,
	deps: Pick<PaymentDeps, 'stripeApi' | 'provider'>
): Promise<WebhookOutcome> {
	const provider = await providerOf(ctx, deps);
	if (!provider) throw notFound('Payment webhook');
	let event: PaymentEvent;
	try {
		event = await provider.verifyEvent(rawBody, signature);
	} catch {
		throw badEvent('The webhook signature did not verify.');
	}
	try {
		switch (event.kind) {
			case 'paid':
				return await applyPaid(ctx, event);
			case 'expired':
				return await applyExpired(ctx, event);
			case 'refunded':
				return await applyRefund(ctx, event);
			case 'ignored':
				return { received: true, result: 'ignored' };
		}
	} catch (err) {
		// The unique index on (reason, reference) refused a second credit or refund: already done.
		if (isUniqueViolation(err)) return { received: true, result: 'duplicate' };
		throw err;
	}
}

const appendEvent = (id: string) => sql`array_append(${paymentOrders.providerEventIds}, ${id})`;

async function applyPaid(ctx: ServiceContext, event: Extract<PaymentEvent, { kind: 'paid' }>): Promise<WebhookOutcome> {
	const [order] = await ctx.db.select().from(paymentOrders).where(eq(paymentOrders.providerSessionId, event.sessionId));
	if (!order || (event.orderId !== null && event.orderId !== order.id) || (event.userId !== null && event.userId !== order.userId)) {
		throw badEvent('The event names no known order.');
	}
	if (event.currency !== order.currency) throw badEvent(`The event was paid in ${event.currency}, the order is in ${order.currency}.`);
	if (!Number.isSafeInteger(event.amount) || event.amount <= 0) throw badEvent('The event carries no amount paid.');
	if (order.status !== 'pending') return { received: true, result: 'duplicate' };
	const settings = await settingsOf(ctx.db);
	// What Stripe says was paid, never what the user asked for at checkout.
	const quota = quotaForPayment(event.amount / minorPerUnit(order.currency), settings);
	return withChanges(ctx.db, async (tx) => {
		const now = new Date();
		const [paid] = await tx
			.update(paymentOrders)
			.set({
				status: 'paid',
				amount: event.amount,
				quota,
				paidAt: now,
				updatedAt: now,
				providerPaymentId: event.paymentId,
				providerEventIds: appendEvent(event.id)
			})
			.where(and(eq(paymentOrders.id, order.id), eq(paymentOrders.status, 'pending')))
			.returning();
		// Another delivery got there first (its UPDATE held the row; this one then found it paid).
		if (!paid) return { result: { received: true, result: 'duplicate' } as WebhookOutcome, changes: [] };
		await changeBalance(tx, { userId: paid.userId, delta: quota, reason: 'topup', reference: String(paid.id), note: `Online payment, order ${paid.id}` });
		return { result: { received: true, result: 'credited' } as WebhookOutcome, changes: [{ kind: 'user', id: paid.userId }] };
	});
}

async function applyExpired(ctx: ServiceContext, event: Extract<PaymentEvent, { kind: 'expired' }>): Promise<WebhookOutcome> {
	const [order] = await ctx.db.select().from(paymentOrders).where(eq(paymentOrders.providerSessionId, event.sessionId));
	if (!order || (event.orderId !== null && event.orderId !== order.id)) throw badEvent('The event names no known order.');
	const [expired] = await ctx.db
		.update(paymentOrders)
		.set({ status: 'expired', updatedAt: new Date(), providerEventIds: appendEvent(event.id) })
		.where(and(eq(paymentOrders.id, order.id), eq(paymentOrders.status, 'pending')))
		.returning({ id: paymentOrders.id });
	return { received: true, result: expired ? 'expired' : 'duplicate' };
}

async function applyRefund(ctx: ServiceContext, event: Extract<PaymentEvent, { kind: 'refunded' }>): Promise<WebhookOutcome> {
	const [order] = await ctx.db.select().from(paymentOrders).where(eq(paymentOrders.providerPaymentId, event.paymentId));
	if (!order) throw badEvent('The event names no known order.');
	// A partial refund is left to an administrator (see the policy above).
	if (!event.fully) return { received: true, result: 'ignored' };
	return withChanges(ctx.db, async (tx) => {
		const now = new Date();
		const [refunded] = await tx
			.update(paymentOrders)
			.set({ status: 'refunded', refundedAt: now, updatedAt: now, providerEventIds: appendEvent(event.id) })
			.where(and(eq(paymentOrders.id, order.id), eq(paymentOrders.status, 'paid')))
			.returning();
		if (!refunded) return { result: { received: true, result: 'duplicate' } as WebhookOutcome, changes: [] };
		// May leave the balance below zero: the quota may already be spent.
		await changeBalance(tx, { userId: refunded.userId, delta: -refunded.quota, reason: 'refund', reference: String(refunded.id), note: `Refund of order ${refunded.id}` });
		return { result: { received: true, result: 'refunded' } as WebhookOutcome, changes: [{ kind: 'user', id: refunded.userId }] };
	});
}

