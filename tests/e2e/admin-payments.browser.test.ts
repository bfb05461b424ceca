import type { Browser, Page } from 'playwright-core';
import Stripe from 'stripe';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { ApiClient } from '../harness/api-client';
import { launchBrowser } from '../harness/browser';
import { freshDatabase, type TestDatabase } from '../harness/database';
import { TEST_SECRET_KEY } from '../harness/fixtures';
import { startMockStripe, type MockStripe } from '../harness/mock-stripe';
import { startServer, type TestServer } from '../harness/server';
import { expectAccessible, screenshots, signedIn } from '../harness/ui';

// The admin side of online top-ups: root sets the Stripe secrets and limits through the form,
// bad values are refused beside their fields, secrets only ever appear masked, and orders list.
const ADMIN_TOKEN = 'admin-payments-ui-token-0123456789abcdef';
const ROOT_PASSWORD = 'root-password-1';
const STRIPE_KEY = 'sk_test_adminpayments0123456789abcdef';
const WEBHOOK_SECRET = 'whsec_adminpayments0123456789abcdefgh';

let db: TestDatabase;
let server: TestServer;
let stripe: MockStripe;
let browser: Browser;
let root: ApiClient;
let payerId: number;

beforeAll(async () => {
	stripe = await startMockStripe();
	db = await freshDatabase();
	server = await startServer({
		env: { DATABASE_URL: db.url, ELYGATE_SECRET_KEY: TEST_SECRET_KEY, ELYGATE_ADMIN_TOKEN: ADMIN_TOKEN, ELYGATE_ROOT_PASSWORD: ROOT_PASSWORD, ...stripe.env }
	});
	root = new ApiClient(server.url, { bearer: ADMIN_TOKEN });
	const res = await root.post('/api/users', { username: 'payer', password: 'payer-password-1', quota: 1_000_000 });
	expect(res.status).toBe(201);
	payerId = (res.body as { id: number }).id;
	browser = await launchBrowser();
});

afterAll(async () => {
	await browser?.close();
	await server?.stop();
	await stripe?.close();
	await db?.drop();
});

async function paymentOptions() {
	return db.sql`select key, value from options where key like 'payments.%' or key like 'secrets.payments.%' order by key`;
}

async function fill(page: Page, values: Record<string, string>) {
	for (const [label, value] of Object.entries(values)) await page.getByLabel(label, { exact: true }).fill(value);
}

test('a plain user gets 403', async () => {
	const { context, page } = await signedIn(browser, server.url, 'payer', 'payer-password-1');
	const res = await page.goto(`${server.url}/admin/payments`);
	expect(res?.status()).toBe(403);
	await context.close();
});

test('root saves the settings; bad values are refused beside the field; secrets stay masked', async () => {
	const { context, page } = await signedIn(browser, server.url, 'root', ROOT_PASSWORD);
	await page.goto(`${server.url}/admin/settings`);
	await page.getByTestId('payments-link').click();
	await page.waitForURL(`${server.url}/admin/payments`);
	expect(await page.getByTestId('payments-status').textContent()).toContain('Online payments are off');
	expect(await page.getByTestId('orders-empty').isVisible()).toBe(true);
	await expectAccessible(page);
	await screenshots(page, 'admin-payments-off');

	// Smallest above largest: refused beside "Largest top-up", nothing saved, the typed secret not echoed back.
	await fill(page, { 'Stripe secret key': STRIPE_KEY, 'Webhook signing secret': WEBHOOK_SECRET, 'Smallest top-up': '50', 'Largest top-up': '10' });
	await page.getByRole('button', { name: 'Save payment settings' }).click();
	const max = page.getByLabel('Largest top-up', { exact: true });
	await expect.poll(() => max.getAttribute('aria-invalid')).toBe('true');
	expect(await page.getByText('The largest amount must be at least the smallest.').isVisible()).toBe(true);
	expect(await paymentOptions()).toHaveLength(0);
	expect(await page.content()).not.toContain(STRIPE_KEY);
	expect(await page.content()).not.toContain(WEBHOOK_SECRET);

	// A negative rate, and a malformed bonus tier: each beside its field.
	await fill(page, { 'Largest top-up': '500', 'USD credited per unit': '-1', 'Bonus tiers': '20:22' });
	await page.getByRole('button', { name: 'Save payment settings' }).click();
	const rate = page.getByLabel('USD credited per unit', { exact: true });
	await expect.poll(() => rate.getAttribute('aria-invalid')).toBe('true');
	expect(await page.getByText('The rate must be above zero.').isVisible()).toBe(true);
	expect(await page.locator('#p-tiers-error').textContent()).toContain('pay=get');
	expect(await paymentOptions()).toHaveLength(0);
	await screenshots(page, 'admin-payments-errors');

	// Good values: saved, payments on, the secrets shown masked only.
	await fill(page, { 'Stripe secret key': STRIPE_KEY, 'Webhook signing secret': WEBHOOK_SECRET, 'USD credited per unit': '1', 'Smallest top-up': '5', 'Bonus tiers': '20=22' });
	await page.getByRole('button', { name: 'Save payment settings' }).click();
	await expect.poll(() => page.getByRole('status').first().textContent()).toContain('Online payments are on');
	const settings = (await root.get('/api/payments/settings')).body as Record<string, unknown>;
	expect(settings).toMatchObject({ enabled: true, minAmount: 5, maxAmount: 500, usdPerUnit: 1, bonusTiers: [{ pay: 20, get: 22 }] });
	const keyField = page.getByLabel('Stripe secret key', { exact: true });
	expect(await keyField.inputValue()).toBe(settings.stripeSecretKey);
	expect(await keyField.inputValue()).toContain('…');
	await page.reload();
	expect(await page.getByTestId('payments-status').textContent()).toContain('Online payments are on');
	const html = await page.content();
	expect(html).not.toContain(STRIPE_KEY);
	expect(html).not.toContain(WEBHOOK_SECRET);

	// Saving again with the masks sent back keeps the stored secrets.
	await fill(page, { 'Largest top-up': '400' });
	await page.getByRole('button', { name: 'Save payment settings' }).click();
	await expect.poll(async () => ((await root.get('/api/payments/settings')).body as { maxAmount: number }).maxAmount).toBe(400);
	expect((await root.get('/api/payments/settings')).body).toMatchObject({ enabled: true, stripeSecretKey: settings.stripeSecretKey });
	await expect.poll(() => page.getByRole('button', { name: 'Save payment settings' }).isEnabled()).toBe(true);
	await expectAccessible(page);
	await screenshots(page, 'admin-payments-on');
	await context.close();

	const user = await signedIn(browser, server.url, 'payer', 'payer-password-1');
	await user.page.goto(`${server.url}/topup`);
	expect(await user.page.getByText('Pay online').first().isVisible()).toBe(true);
	expect(await user.page.getByTestId('pay-limits').textContent()).toContain('Between $5.00 and $400.00');
	await user.context.close();
});

test('the orders list shows an order once the user paid, filterable by status and user, without JavaScript', async () => {
	const user = await signedIn(browser, server.url, 'payer', 'payer-password-1');
	await user.page.route('https://checkout.example.test/**', (route) =>
		route.fulfill({ contentType: 'text/html', body: '<!doctype html><html lang="en"><title>Checkout</title><h1>Mock checkout</h1></html>' })
	);
	await user.page.goto(`${server.url}/topup`);
	await user.page.getByLabel('Amount (USD)').fill('25');
	await user.page.getByRole('button', { name: 'Continue to payment' }).click();
	await user.page.waitForURL(/^https:\/\/checkout\.example\.test\//);
	await user.context.close();
	const [order] = await db.sql`select id, provider_session_id from payment_orders`;
	expect(order).toBeDefined();

	const payload = JSON.stringify({
		id: 'evt_admin_1',
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
				payment_intent: 'pi_admin_1'
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

	const { context, page } = await signedIn(browser, server.url, 'root', ROOT_PASSWORD, { javaScript: false });
	await page.goto(`${server.url}/admin/payments`);
	const row = page.getByTestId(`order-${order!.id}`);
	const text = await row.textContent();
	expect(text).toContain('Paid');
	expect(text).toContain('payer'); // named, not "User #id"
	expect(text).toContain('$25.00');
	expect(text).toContain('$27.00');

	await page.getByLabel('Status').selectOption('pending');
	await page.getByRole('button', { name: 'Filter' }).click();
	await page.waitForURL(/status=pending/);
	expect(await page.getByTestId('orders-empty').textContent()).toContain('No order matches');

	await page.goto(`${server.url}/admin/payments?status=paid&userId=${payerId}`);
	expect(await page.getByTestId(`order-${order!.id}`).isVisible()).toBe(true);
	await page.goto(`${server.url}/admin/payments?userId=${payerId + 100}`);
	expect(await page.getByTestId(`order-${order!.id}`).count()).toBe(0);
	await context.close();

	// axe needs JavaScript: the list with an order, checked in a normal browser.
	const withJs = await signedIn(browser, server.url, 'root', ROOT_PASSWORD);
	await withJs.page.goto(`${server.url}/admin/payments?status=paid`);
	expect(await withJs.page.getByTestId(`order-${order!.id}`).isVisible()).toBe(true);
	await expectAccessible(withJs.page);
	await screenshots(withJs.page, 'admin-payments-orders');
	await withJs.context.close();
});
