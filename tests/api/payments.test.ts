import Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { register } from '../harness/accounts';
import { ApiClient } from '../harness/api-client';
import { expectBooksBalance } from '../harness/books';
import { freshDatabase, type TestDatabase } from '../harness/database';
import { TEST_SECRET_KEY } from '../harness/fixtures';
import { startMockStripe, type MockStripe } from '../harness/mock-stripe';
import { startServer, type TestServer } from '../harness/server';
import { WebClient } from '../harness/web-client';

const ADMIN_TOKEN = 'payments-root-token-0123456789abcdefghij';
const STRIPE_KEY = 'sk_test_payments0123456789abcdef';
const WEBHOOK_SECRET = 'whsec_payments0123456789abcdefghij';
const QUOTA_PER_USD = 500_000;

let db: TestDatabase;
let server: TestServer;
let stripe: MockStripe;
let root: ApiClient;

beforeAll(async () => {
	stripe = await startMockStripe();
	db = await freshDatabase();
	server = await startServer({
		env: {
			DATABASE_URL: db.url,
			ELYGATE_SECRET_KEY: TEST_SECRET_KEY,
			ELYGATE_ADMIN_TOKEN: ADMIN_TOKEN,
			ELYGATE_ROOT_PASSWORD: 'root-password-1',
			...stripe.env
		}
	});
	root = new ApiClient(server.url, { bearer: ADMIN_TOKEN });
});

afterAll(async () => {
	await server?.stop();
	await stripe?.close();
	await db?.drop();
});

interface Person {
	id: number;
	api: ApiClient;
}

let userCount = 0;
async function signedInUser(): Promise<Person> {
	const name = `payer${++userCount}`;
	const web = new WebClient(server.url);
	await register(web, name, 'payer-password-1');
	const [row] = await db.sql`select id from users where username = ${name}`;
	return { id: row!.id, api: new ApiClient(server.url, { cookie: `elygate_session=${web.cookies.get('elygate_session')}`, origin: server.url }) };
}

async function quotaOf(userId: number): Promise<number> {
	const [row] = await db.sql`select quota from users where id = ${userId}`;
	return Number(row!.quota);
}

/** Everything a refused webhook must leave alone. */
async function snapshot() {
	const orders = await db.sql`select id, status, quota, amount, provider_event_ids, updated_at from payment_orders order by id`;
	const changes = await db.sql`select count(*)::int as n from balance_changes`;
	const users = await db.sql`select id, quota from users order by id`;
	return JSON.stringify({ orders, changes, users });
}

let eventCount = 0;
const eventId = () => `evt_test_${++eventCount}`;

interface Order {
	id: number;
	userId: number;
	sessionId: string;
}

function completed(order: Order, over: { id?: string; amount?: number; currency?: string; paymentIntent?: string; metadataOrder?: string } = {}) {
	return {
		id: over.id ?? eventId(),
		object: 'event',
		type: 'checkout.session.completed',
		data: {
			object: {
				id: order.sessionId,
				object: 'checkout.session',
				payment_status: 'paid',
				status: 'complete',
				amount_total: over.amount ?? 1000,
				currency: over.currency ?? 'usd',
				metadata: { order_id: over.metadataOrder ?? String(order.id), user_id: String(order.userId) },
				payment_intent: over.paymentIntent ?? `pi_for_${order.id}`
			}
		}
	};
}

// The library's test-header helper; its async form, since under Bun the package signs with Web Crypto.
const sign = (payload: string, secret = WEBHOOK_SECRET, timestamp?: number) =>
	Stripe.webhooks.generateTestHeaderStringAsync({ payload, secret, timestamp });

async function deliver(event: unknown, opts: { secret?: string; signature?: string | null; timestamp?: number } = {}) {
	const payload = JSON.stringify(event);
	const signature = opts.signature === undefined ? await sign(payload, opts.secret, opts.timestamp) : opts.signature;
	const headers: Record<string, string> = { 'content-type': 'application/json' };
	if (signature !== null) headers['stripe-signature'] = signature;
	return fetch(new URL('/api/payments/stripe/webhook', server.url), { method: 'POST', headers, body: payload });
}

async function checkout(who: Person, amount: number): Promise<Order> {
	const res = await who.api.post('/api/payments/checkout', { amount });
	expect(res.status, JSON.stringify(res.body)).toBe(201);
	return { id: res.body.order.id, userId: who.id, sessionId: res.body.order.providerSessionId };
}

describe('not configured', () => {
	test('the webhook answers 404, checkout is refused, and the settings say off', async () => {
		const user = await signedInUser();
		const fake = { id: 1, userId: user.id, sessionId: 'cs_test_none' };
		expect((await deliver(completed(fake))).status).toBe(404);
		expect((await user.api.post('/api/payments/checkout', { amount: 10 })).status).toBe(404);
		expect((await root.get('/api/payments/settings')).body).toMatchObject({ enabled: false, stripeSecretKey: '', stripeWebhookSecret: '' });
	});

	test('one secret, or an empty one, never enables payments', async () => {
		let res = await root.patch('/api/payments/settings', { stripeSecretKey: STRIPE_KEY, stripeWebhookSecret: '' });
		expect(res.status, JSON.stringify(res.body)).toBe(200);
		expect(res.body.enabled).toBe(false);
		expect((await deliver(completed({ id: 1, userId: 1, sessionId: 'cs_x' }))).status).toBe(404);
		res = await root.patch('/api/payments/settings', { stripeWebhookSecret: '   ' });
		expect(res.body.enabled).toBe(false);
	});
});

describe('configured', () => {
	beforeAll(async () => {
		const res = await root.patch('/api/payments/settings', { stripeSecretKey: STRIPE_KEY, stripeWebhookSecret: WEBHOOK_SECRET });
		expect(res.status, JSON.stringify(res.body)).toBe(200);
	});

	test('secrets are stored encrypted, shown masked, and a masked value sent back keeps them', async () => {
		const shown = (await root.get('/api/payments/settings')).body;
		expect(shown.enabled).toBe(true);
		expect(shown.stripeSecretKey).not.toContain('payments0123');
		expect(shown.stripeSecretKey).toMatch(/…cdef$/);
		const stored = JSON.stringify(await db.sql`select value from options where key like 'secrets.payments.%'`);
		expect(stored).not.toContain(STRIPE_KEY);
		expect(stored).not.toContain(WEBHOOK_SECRET);
		const again = await root.patch('/api/payments/settings', { stripeSecretKey: shown.stripeSecretKey, stripeWebhookSecret: shown.stripeWebhookSecret });
		expect(again.body).toMatchObject({ enabled: true, stripeSecretKey: shown.stripeSecretKey });
		const audit = JSON.stringify(await db.sql`select before, after from audit_log where action = 'payments.secrets'`);
		expect(audit).not.toContain(STRIPE_KEY);
		expect(audit).not.toContain(WEBHOOK_SECRET);
	});

	test('checkout creates a Stripe session with the amount, currency and metadata, and credits nothing', async () => {
		const user = await signedInUser();
		const before = await quotaOf(user.id);
		const sent = stripe.requests.length;
		const res = await user.api.post('/api/payments/checkout', { amount: 12.5 });
		expect(res.status, JSON.stringify(res.body)).toBe(201);
		expect(res.body.url).toMatch(/^https:\/\/checkout\.example\.test\/pay\/cs_test_/);
		expect(res.body.order).toMatchObject({ userId: user.id, amount: 1250, currency: 'usd', status: 'pending', quota: 12.5 * QUOTA_PER_USD });
		const calls = stripe.requests.slice(sent);
		expect(calls).toHaveLength(1);
		const call = calls[0]!;
		expect(call.method).toBe('POST');
		expect(call.path).toBe('/v1/checkout/sessions');
		expect(call.headers.authorization).toBe(`Bearer ${STRIPE_KEY}`);
		const form = new URLSearchParams(String(call.body));
		expect(form.get('mode')).toBe('payment');
		expect(form.get('line_items[0][price_data][unit_amount]')).toBe('1250');
		expect(form.get('line_items[0][price_data][currency]')).toBe('usd');
		expect(form.get('line_items[0][quantity]')).toBe('1');
		expect(form.get('metadata[order_id]')).toBe(String(res.body.order.id));
		expect(form.get('metadata[user_id]')).toBe(String(user.id));
		expect(form.get('success_url')).toBe(`${server.url}/topup?order=${res.body.order.id}&payment=success`);
		expect(form.get('cancel_url')).toBe(`${server.url}/topup?order=${res.body.order.id}&payment=cancel`);
		expect(await quotaOf(user.id)).toBe(before);
	});

	test('amounts outside the limits, and tokens without a balance, are refused', async () => {
		const user = await signedInUser();
		for (const amount of [4.99, 1000.01, 10.001, -5]) {
			const res = await user.api.post('/api/payments/checkout', { amount });
			expect(res.status, `${amount}: ${JSON.stringify(res.body)}`).toBe(400);
			expect(res.body.error.field).toBe('amount');
		}
		expect((await root.post('/api/payments/checkout', { amount: 10 })).status).toBe(403);
	});

	test('a paid session credits what Stripe says was paid, exactly once, however often it is delivered', async () => {
		const user = await signedInUser();
		const before = await quotaOf(user.id);
		// The user asked for 10; Stripe reports 20 paid: 20 is what counts.
		const order = await checkout(user, 10);
		const event = completed(order, { amount: 2000 });
		for (let i = 0; i < 3; i++) expect((await deliver(event)).status).toBe(200);
		// A second, different event for the same order.
		expect((await deliver(completed(order, { amount: 2000 }))).status).toBe(200);
		expect(await quotaOf(user.id)).toBe(before + 20 * QUOTA_PER_USD);
		const [row] = await db.sql`select status, amount, quota, provider_event_ids, paid_at from payment_orders where id = ${order.id}`;
		expect(row).toMatchObject({ status: 'paid', amount: '2000', quota: String(20 * QUOTA_PER_USD), provider_event_ids: [event.id] });
		expect(row!.paid_at).not.toBeNull();
		const credits = await db.sql`select delta from balance_changes where reason = 'topup' and reference = ${String(order.id)}`;
		expect(credits.map((c) => Number(c.delta))).toEqual([20 * QUOTA_PER_USD]);
	});

	test('20 concurrent deliveries of one event credit once', async () => {
		const user = await signedInUser();
		const before = await quotaOf(user.id);
		const order = await checkout(user, 30);
		const event = completed(order, { amount: 3000 });
		const answers = await Promise.all(Array.from({ length: 20 }, () => deliver(event)));
		expect(answers.map((a) => a.status)).toEqual(Array(20).fill(200));
		const results = await Promise.all(answers.map(async (a) => ((await a.json()) as { result: string }).result));
		expect(results.filter((r) => r === 'credited')).toHaveLength(1);
		expect(await quotaOf(user.id)).toBe(before + 30 * QUOTA_PER_USD);
	});

	test('bad or missing signatures, stale timestamps, unknown orders and other currencies get 400 and change nothing', async () => {
		const user = await signedInUser();
		const order = await checkout(user, 10);
		const before = await snapshot();
		const good = completed(order);
		const refusals: Array<[string, Promise<Response>]> = [
			['wrong secret', deliver(good, { secret: 'whsec_someone_elses_secret_0000' })],
			['garbage signature', deliver(good, { signature: 't=1,v1=deadbeef' })],
			['no signature', deliver(good, { signature: null })],
			['expired timestamp', deliver(good, { timestamp: Math.floor(Date.now() / 1000) - 600 })],
			['unknown session', deliver(completed({ ...order, sessionId: 'cs_test_unknown' }))],
			['metadata names another order', deliver(completed(order, { metadataOrder: String(order.id + 1000) }))],
			['other currency', deliver(completed(order, { currency: 'eur' }))]
		];
		for (const [name, pending] of refusals) expect((await pending).status, name).toBe(400);
		// A body altered after signing.
		const payload = JSON.stringify(good);
		const signature = await sign(payload);
		const tampered = await fetch(new URL('/api/payments/stripe/webhook', server.url), {
			method: 'POST',
			headers: { 'content-type': 'application/json', 'stripe-signature': signature },
			body: payload.replace('"amount_total":1000', '"amount_total":9000')
		});
		expect(tampered.status).toBe(400);
		expect(await snapshot()).toBe(before);
	});

	test('bonus tiers apply to what was paid', async () => {
		const res = await root.patch('/api/options', { 'payments.bonus_tiers': [{ pay: 50, get: 55 }, { pay: 100, get: 120 }] });
		expect(res.status, JSON.stringify(res.body)).toBe(200);
		try {
			const user = await signedInUser();
			const before = await quotaOf(user.id);
			const order = await checkout(user, 100);
			expect((await deliver(completed(order, { amount: 10_000 }))).status).toBe(200);
			expect(await quotaOf(user.id)).toBe(before + 120 * QUOTA_PER_USD);
			const small = await checkout(user, 60);
			expect((await deliver(completed(small, { amount: 6000 }))).status).toBe(200);
			expect(await quotaOf(user.id)).toBe(before + 120 * QUOTA_PER_USD + 65 * QUOTA_PER_USD);
		} finally {
			await root.patch('/api/options', { 'payments.bonus_tiers': [] });
		}
	});

	test('an expired session marks its order expired, and it can no longer be paid', async () => {
		const user = await signedInUser();
		const before = await quotaOf(user.id);
		const order = await checkout(user, 10);
		const expired = { id: eventId(), object: 'event', type: 'checkout.session.expired', data: { object: { id: order.sessionId, object: 'checkout.session', metadata: { order_id: String(order.id) } } } };
		expect((await deliver(expired)).status).toBe(200);
		expect((await deliver(completed(order))).status).toBe(200);
		const [row] = await db.sql`select status from payment_orders where id = ${order.id}`;
		expect(row!.status).toBe('expired');
		expect(await quotaOf(user.id)).toBe(before);
	});

	test('a full refund takes the credited quota back once, even below zero; a partial one changes nothing', async () => {
		const user = await signedInUser();
		const before = await quotaOf(user.id);
		const order = await checkout(user, 10);
		expect((await deliver(completed(order, { paymentIntent: 'pi_refund_me' }))).status).toBe(200);
		// Part of the credit is spent (by hand here), so the refund leaves the balance below zero.
		await root.post(`/api/users/${user.id}/balance`, { delta: -(before + 4 * QUOTA_PER_USD), reason: 'spent' });
		const charge = (refunded: boolean) => ({
			id: eventId(),
			object: 'event',
			type: 'charge.refunded',
			data: { object: { id: 'ch_1', object: 'charge', payment_intent: 'pi_refund_me', refunded, amount: 1000, amount_refunded: refunded ? 1000 : 300 } }
		});
		expect((await deliver(charge(false))).status).toBe(200);
		expect(await quotaOf(user.id)).toBe(6 * QUOTA_PER_USD);
		const full = charge(true);
		expect((await deliver(full)).status).toBe(200);
		expect((await deliver(full)).status).toBe(200);
		expect((await deliver(charge(true))).status).toBe(200);
		expect(await quotaOf(user.id)).toBe(-4 * QUOTA_PER_USD);
		const [row] = await db.sql`select status, refunded_at from payment_orders where id = ${order.id}`;
		expect(row!.status).toBe('refunded');
		expect(row!.refunded_at).not.toBeNull();
		const refunds = await db.sql`select delta from balance_changes where reason = 'refund' and reference = ${String(order.id)}`;
		expect(refunds.map((r) => Number(r.delta))).toEqual([-10 * QUOTA_PER_USD]);
		// A refund for a payment nobody knows is refused.
		const unknown = { ...charge(true), data: { object: { id: 'ch_2', object: 'charge', payment_intent: 'pi_unknown', refunded: true } } };
		expect((await deliver(unknown)).status).toBe(400);
	});

	test('users list their own orders; readers list everyone’s, filterable', async () => {
		const alice = await signedInUser();
		const bob = await signedInUser();
		const a = await checkout(alice, 10);
		await checkout(bob, 10);
		expect((await deliver(completed(a))).status).toBe(200);
		const own = await alice.api.get('/api/payments');
		expect(own.status).toBe(200);
		expect(own.body.items.map((o: { userId: number }) => o.userId)).toEqual([alice.id]);
		// A user's filter for someone else is ignored: still their own.
		const sneaky = await alice.api.get(`/api/payments?userId=${bob.id}`);
		expect(sneaky.body.items.map((o: { userId: number }) => o.userId)).toEqual([alice.id]);
		const all = await root.get('/api/payments?perPage=200');
		expect(all.body.total).toBeGreaterThan(5);
		const bobs = await root.get(`/api/payments?userId=${bob.id}&status=pending`);
		expect(bobs.body.items).toHaveLength(1);
		const paid = await root.get(`/api/payments?userId=${alice.id}&status=paid`);
		expect(paid.body.items.map((o: { id: number }) => o.id)).toEqual([a.id]);
	});

	test('the books still balance after payments and refunds', async () => {
		await expectBooksBalance(db.sql);
	});
});
