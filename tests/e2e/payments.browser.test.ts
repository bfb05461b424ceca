import type { Browser } from 'playwright-core';
import Stripe from 'stripe';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { ApiClient } from '../harness/api-client';
import { launchBrowser } from '../harness/browser';
import { freshDatabase, type TestDatabase } from '../harness/database';
import { TEST_SECRET_KEY } from '../harness/fixtures';
import { startMockStripe, type MockStripe } from '../harness/mock-stripe';
import { startServer, type TestServer } from '../harness/server';
import { expectAccessible, screenshots, signedIn } from '../harness/ui';

// The top-up page's online payment: off until both Stripe secrets are set; then a user picks an
// amount, is sent to (mock) Stripe Checkout, and only the signed webhook credits the balance.
const ADMIN_TOKEN = 'payments-ui-admin-token-0123456789abcdef';
const STRIPE_KEY = 'sk_test_paymentsui0123456789abcdef';
const WEBHOOK_SECRET = 'whsec_paymentsui0123456789abcdefghij';

let db: TestDatabase;
let server: TestServer;
let stripe: MockStripe;
let browser: Browser;
let root: ApiClient;

beforeAll(async () => {
	stripe = await startMockStripe();
	db = await freshDatabase();
	server = await startServer({
		env: { DATABASE_URL: db.url, ELYGATE_SECRET_KEY: TEST_SECRET_KEY, ELYGATE_ADMIN_TOKEN: ADMIN_TOKEN, ELYGATE_ROOT_PASSWORD: 'root-password-1', ...stripe.env }
	});
	root = new ApiClient(server.url, { bearer: ADMIN_TOKEN });
	expect((await root.post('/api/users', { username: 'payer', password: 'payer-password-1', quota: 1_000_000 })).status).toBe(201);
	browser = await launchBrowser();
});

afterAll(async () => {
	await browser?.close();
	await server?.stop();
	await stripe?.close();
	await db?.drop();
});

async function orders() {
	return db.sql`select id, status, amount::int as amount, quota::float8 as quota, provider_session_id from payment_orders order by id`;
}

/** Stripe's checkout page, which the browser cannot reach from here. */
async function fakeCheckoutHost(page: import('playwright-core').Page) {
	await page.route('https://checkout.example.test/**', (route) =>
		route.fulfill({ contentType: 'text/html', body: '<!doctype html><html lang="en"><title>Checkout</title><h1>Mock checkout</h1></html>' })
	);
}

test('with payments not configured the page offers no online payment', async () => {
	const { context, page } = await signedIn(browser, server.url, 'payer', 'payer-password-1');
	await page.goto(`${server.url}/topup`);
	expect(await page.getByRole('heading', { name: 'Redeem a code' }).isVisible()).toBe(true);
	expect(await page.getByTestId('pay-online').count()).toBe(0);
	expect(await page.getByText('Pay online').count()).toBe(0);
	expect(await page.locator('form[action="?/pay"]').count()).toBe(0);
	await expectAccessible(page);
	await screenshots(page, 'topup-no-payments');
	await context.close();
});

test('a user pays online: a bad amount is refused beside the field, a good one goes to Checkout, the webhook credits it', async () => {
	let res = await root.patch('/api/payments/settings', { stripeSecretKey: STRIPE_KEY, stripeWebhookSecret: WEBHOOK_SECRET });
	expect(res.status, JSON.stringify(res.body)).toBe(200);
	res = await root.patch('/api/options', { 'payments.min_amount': 5, 'payments.max_amount': 500, 'payments.bonus_tiers': [{ pay: 20, get: 22 }] });
	expect(res.status, JSON.stringify(res.body)).toBe(200);

	const { context, page } = await signedIn(browser, server.url, 'payer', 'payer-password-1');
	await fakeCheckoutHost(page);
	await page.goto(`${server.url}/topup`);
	const form = page.getByTestId('pay-online');
	expect(await form.isVisible()).toBe(true);
	expect(await page.getByTestId('pay-limits').textContent()).toContain('Between $5.00 and $500.00');
	expect(await page.getByTestId('bonus-tiers').textContent()).toContain('Pay $20.00, get $22.00 of credit');
	expect(await page.getByTestId('orders-empty').isVisible()).toBe(true);
	await expectAccessible(page);
	await screenshots(page, 'topup-pay-online');

	// Below the minimum: the error sits beside the field, and no order, no Stripe call.
	const amount = page.getByLabel('Amount (USD)');
	await amount.fill('2');
	await page.getByRole('button', { name: 'Continue to payment' }).click();
	await expect.poll(() => amount.getAttribute('aria-invalid')).toBe('true');
	expect(await page.locator('#pay-amount-error').textContent()).toContain('between 5 and 500');
	expect(await orders()).toHaveLength(0);
	expect(stripe.requests).toHaveLength(0);

	await amount.fill('25');
	await page.getByRole('button', { name: 'Continue to payment' }).click();
	await page.waitForURL(/^https:\/\/checkout\.example\.test\/pay\/cs_test_/);
	expect(stripe.requests).toHaveLength(1);
	const sent = new URLSearchParams(String(stripe.requests[0]!.body));
	expect(sent.get('line_items[0][price_data][unit_amount]')).toBe('2500');
	expect(sent.get('line_items[0][price_data][currency]')).toBe('usd');
	const [order] = await orders();
	expect(order).toMatchObject({ status: 'pending', amount: 2500 });
	expect(page.url()).toBe(`https://checkout.example.test/pay/${order!.provider_session_id}`);

	// Back from Checkout before Stripe confirmed: nothing credited yet.
	await page.goto(`${server.url}/topup?order=${order!.id}&payment=success`);
	expect(await page.getByTestId('payment-return').textContent()).toContain('Payment received — your balance updates as soon as Stripe confirms it');
	expect(await page.getByTestId('payment-return-status').textContent()).toBe('Awaiting payment');
	expect(await page.getByTestId('current-balance').textContent()).toContain('$2.00');

	// Stripe confirms: the signed webhook credits $22 of credit for $20+ paid ($25 -> $27), once.
	const payload = JSON.stringify({
		id: 'evt_ui_1',
		object: 'event',
		type: 'checkout.session.completed',
		data: {
			object: {
				id: order!.provider_session_id,
				object: 'checkout.session',
				payment_status: 'paid',
				status: 'complete',
				amount_total: 2500,
				currency: 'usd',
				metadata: { order_id: String(order!.id) },
				payment_intent: 'pi_ui_1'
			}
		}
	});
	const signature = await Stripe.webhooks.generateTestHeaderStringAsync({ payload, secret: WEBHOOK_SECRET });
	const hook = await fetch(new URL('/api/payments/stripe/webhook', server.url), {
		method: 'POST',
		headers: { 'content-type': 'application/json', 'stripe-signature': signature },
		body: payload
	});
	expect(hook.status).toBe(200);

	await page.goto(`${server.url}/topup?order=${order!.id}&payment=success`);
	expect(await page.getByTestId('payment-return-status').textContent()).toBe('Paid');
	expect(await page.getByTestId('current-balance').textContent()).toContain('$29.00');
	const row = page.getByTestId(`order-${order!.id}`);
	expect(await row.textContent()).toContain('Paid');
	expect(await row.textContent()).toContain('$25.00');
	expect(await row.textContent()).toContain('$27.00');
	expect(await page.getByTestId('balance-history').textContent()).toContain('Top-up');
	await expectAccessible(page);
	await screenshots(page, 'topup-paid');
	await context.close();
});

test('without JavaScript the form still sends the user to Checkout', async () => {
	const { context, page } = await signedIn(browser, server.url, 'payer', 'payer-password-1', { javaScript: false });
	await fakeCheckoutHost(page);
	await page.goto(`${server.url}/topup`);
	const before = stripe.requests.length;
	await page.getByLabel('Amount (USD)').fill('7.5');
	await page.getByRole('button', { name: 'Continue to payment' }).click();
	await page.waitForURL(/^https:\/\/checkout\.example\.test\/pay\/cs_test_/);
	expect(stripe.requests).toHaveLength(before + 1);
	expect(new URLSearchParams(String(stripe.requests.at(-1)!.body)).get('line_items[0][price_data][unit_amount]')).toBe('750');
	await context.close();
});
