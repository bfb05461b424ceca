import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { ApiClient } from '../harness/api-client';
import { launchBrowser } from '../harness/browser';
import { freshDatabase, type TestDatabase } from '../harness/database';
import { TEST_SECRET_KEY } from '../harness/fixtures';
import { startMockStripe, type MockStripe } from '../harness/mock-stripe';
import { startServer, type TestServer } from '../harness/server';
import { expectAccessible, expectFitsViewport, screenshots, stopTransitions } from '../harness/ui';

// Models & prices and Top up, in English and Chinese, light and dark, on a desktop and a phone:
// nothing scrolls sideways, axe finds nothing serious, and Chinese pages read in Chinese.
const ADMIN_TOKEN = 'models-topup-admin-token-0123456789abcdef';
const LONG_MODEL = 'provider-experimental-reasoning-model-with-a-very-long-name-2026-11-30-preview';
const LONG_NOTE = 'Credit for the migration weekend, agreed with finance on the thread about the new gateway (ticket OPS-20261130-000123456789)';
const DESKTOP = { width: 1280, height: 860 };
const PHONE = { width: 390, height: 844 };

let db: TestDatabase;
let server: TestServer;
let stripe: MockStripe;
let browser: Browser;
let userId: number;

/** A context signed in as mei whose browser asks for `locale` (Accept-Language), through that language's form. */
async function signedInAs(locale: 'en' | 'zh-CN'): Promise<{ context: BrowserContext; page: Page }> {
	const context = await browser.newContext({ locale, viewport: DESKTOP });
	const page = await context.newPage();
	page.setDefaultTimeout(10_000);
	await page.goto(`${server.url}/login`);
	await page.locator('input[name="username"]').fill('mei');
	await page.locator('input[name="password"]').fill('mei-password-1');
	await page.getByRole('button', { name: locale === 'en' ? 'Sign in' : '登录', exact: true }).click();
	await page.waitForURL((url) => !url.pathname.startsWith('/login'));
	return { context, page };
}

/** At 1280 and 390 px, light and dark: no sideways scrolling, and (once per width) axe clean. */
async function fitsEverywhere(page: Page): Promise<void> {
	await stopTransitions(page);
	for (const viewport of [DESKTOP, PHONE]) {
		await page.setViewportSize(viewport);
		for (const colorScheme of ['light', 'dark'] as const) {
			await page.emulateMedia({ colorScheme });
			await expectFitsViewport(page, `${page.url()} at ${viewport.width} px, ${colorScheme}`);
		}
		await expectAccessible(page);
	}
	await page.setViewportSize(DESKTOP);
	await page.emulateMedia({ colorScheme: 'light' });
}

/** No message key shows instead of its text. */
async function noKeyNames(page: Page): Promise<void> {
	expect((await page.locator('body').textContent()) ?? '').not.toMatch(/\b(models|topup|common|nav)_[a-z_]+\b/);
}

beforeAll(async () => {
	stripe = await startMockStripe();
	db = await freshDatabase();
	server = await startServer({
		env: { DATABASE_URL: db.url, ELYGATE_SECRET_KEY: TEST_SECRET_KEY, ELYGATE_ADMIN_TOKEN: ADMIN_TOKEN, ELYGATE_ROOT_PASSWORD: 'root-password-1', ...stripe.env }
	});
	const root = new ApiClient(server.url, { bearer: ADMIN_TOKEN });
	expect((await root.post('/api/groups', { name: 'team', ratio: 0.75 })).status).toBe(200);
	const models = ['gpt-4o', 'image-maker', LONG_MODEL];
	expect((await root.post('/api/channels', { type: 'openai', name: 'up', baseUrl: 'http://127.0.0.1:9/v1', models, keys: ['sk-upstream-mt-0001'], groups: ['default', 'team'] })).status).toBe(201);
	expect((await root.post('/api/prices', { model: 'gpt-4o', modelRatio: 1.25, completionRatio: 4, cacheReadRatio: 0.5 })).status).toBe(200);
	expect((await root.post('/api/prices', { model: 'image-maker', modelRatio: 0, pricePerRequestUsd: 0.04 })).status).toBe(200);
	expect((await root.post('/api/prices', { model: LONG_MODEL, modelRatio: 0.0001, completionRatio: 2 })).status).toBe(200);
	const user = await root.post('/api/users', { username: 'mei', password: 'mei-password-1', quota: 2_000_000, group: 'team' });
	expect(user.status).toBe(201);
	userId = user.body.id;
	expect((await root.post(`/api/users/${userId}/balance`, { delta: 1_500_000, reason: LONG_NOTE })).status).toBe(200);

	// Online payment on, in yuan, with a bonus tier; one paid order already in the list.
	expect((await root.patch('/api/payments/settings', { stripeSecretKey: 'sk_test_modelstopup0123456789abcdef', stripeWebhookSecret: 'whsec_modelstopup0123456789abcdefghij' })).status).toBe(200);
	const options = { 'payments.currency': 'cny', 'payments.usd_per_unit': 0.14, 'payments.min_amount': 5, 'payments.max_amount': 500, 'payments.bonus_tiers': [{ pay: 100, get: 110 }] };
	expect((await root.patch('/api/options', options)).status).toBe(200);
	await db.sql`insert into payment_orders (user_id, amount, currency, quota, status, provider_session_id, paid_at)
		values (${userId}, 12345, 'cny', 8641500, 'paid', 'cs_test_seeded_1', now())`;
	browser = await launchBrowser();
});

afterAll(async () => {
	await browser?.close();
	await server?.stop();
	await stripe?.close();
	await db?.drop();
});

test('models & prices fits a desktop and a phone in both languages; Chinese reads in Chinese with prices in its own format', async () => {
	const en = await signedInAs('en');
	await en.page.goto(`${server.url}/models`);
	expect(await en.page.title()).toBe('Models & prices · Elygate');
	expect(await en.page.getByTestId('models-count').textContent()).toBe('3 models');
	expect(await en.page.locator('[data-model="gpt-4o"] td').allTextContents()).toEqual(['$1.875', '$0.9375', '$7.50']);
	expect(await en.page.locator('[data-model="image-maker"] td').allTextContents()).toEqual(['$0.03 per request']);
	expect(await en.page.getByRole('heading', { level: 1 }).textContent()).toBe('Models & prices');
	await fitsEverywhere(en.page);
	// On a phone each row is a card whose cells name their column.
	await en.page.setViewportSize(PHONE);
	expect(await en.page.locator('[data-model="gpt-4o"] td').first().getAttribute('data-label')).toBe('Input / 1M');
	expect(await en.page.locator('[data-model="gpt-4o"]').evaluate((tr) => getComputedStyle(tr).display)).toBe('block');
	await en.page.setViewportSize(DESKTOP);
	await screenshots(en.page, 'models-en');
	await en.page.goto(`${server.url}/models?q=nothing-like-this`);
	expect(await en.page.getByTestId('models-none-match').textContent()).toContain('See all 3 models');
	await en.context.close();

	const zh = await signedInAs('zh-CN');
	await zh.page.goto(`${server.url}/models`);
	expect(await zh.page.title()).toBe('模型与价格 · Elygate');
	expect(await zh.page.locator('html').getAttribute('lang')).toBe('zh-CN');
	expect(await zh.page.getByRole('heading', { level: 1 }).textContent()).toBe('模型与价格');
	expect(await zh.page.getByTestId('models-count').textContent()).toBe('共 3 个模型');
	expect(await zh.page.locator('main').textContent()).toContain('倍率 ×0.75');
	expect(await zh.page.locator('thead th').allTextContents()).toEqual(['模型', '输入 / 百万', '缓存输入 / 百万', '输出 / 百万']);
	expect(await zh.page.locator('[data-model="gpt-4o"] td').allTextContents()).toEqual(['US$1.875', 'US$0.9375', 'US$7.50']);
	expect(await zh.page.locator('[data-model="image-maker"] td').allTextContents()).toEqual(['US$0.03 / 次']);
	await zh.page.getByLabel('搜索模型').fill('GPT');
	await zh.page.getByRole('button', { name: '搜索', exact: true }).click();
	await zh.page.waitForURL((url) => url.searchParams.get('q') === 'GPT');
	expect(await zh.page.getByTestId('models-count').textContent()).toBe('1 个模型与“GPT”匹配');
	await zh.page.goto(`${server.url}/models`);
	await noKeyNames(zh.page);
	await fitsEverywhere(zh.page);
	await screenshots(zh.page, 'models-zh');
	await zh.context.close();
});

test('top up fits a desktop and a phone in both languages; in Chinese its errors come beside their fields in Chinese', async () => {
	const en = await signedInAs('en');
	await en.page.goto(`${server.url}/topup`);
	expect(await en.page.title()).toBe('Top up · Elygate');
	expect(await en.page.getByTestId('pay-limits').textContent()).toContain('Between CN¥5.00 and CN¥500.00.');
	expect(await en.page.getByTestId('bonus-tiers').textContent()).toContain('Pay CN¥100.00, get CN¥110.00 of credit');
	const order = en.page.locator('[data-testid="payment-orders"] tbody tr').first();
	expect(await order.textContent()).toContain('CN¥123.45');
	expect(await order.textContent()).toContain('Paid');
	const history = en.page.getByTestId('balance-history').locator('tbody tr').first();
	expect(await history.textContent()).toContain('Adjusted by an administrator');
	expect(await history.textContent()).toContain(LONG_NOTE);
	await fitsEverywhere(en.page);
	await en.page.setViewportSize(PHONE);
	expect(await history.locator('td').first().getAttribute('data-label')).toBe('When');
	expect(await history.evaluate((tr) => getComputedStyle(tr).display)).toBe('block');
	await en.page.setViewportSize(DESKTOP);
	await screenshots(en.page, 'topup-en');
	await en.context.close();

	const zh = await signedInAs('zh-CN');
	const page = zh.page;
	await page.goto(`${server.url}/topup`);
	expect(await page.title()).toBe('充值 · Elygate');
	expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('充值');
	expect(await page.getByTestId('pay-limits').textContent()).toContain('单笔 ¥5.00 至 ¥500.00。');
	expect(await page.getByTestId('bonus-tiers').textContent()).toContain('充 ¥100.00，到账 ¥110.00');
	expect(await page.locator('[data-testid="payment-orders"] tbody tr').first().textContent()).toContain('已支付');
	expect(await page.getByTestId('balance-history').locator('tbody tr').first().textContent()).toContain('管理员调整');
	expect(await page.getByTestId('balance-history').locator('thead th').allTextContents()).toEqual(['时间', '原因', '变动', '变动后余额']);
	await noKeyNames(page);
	await fitsEverywhere(page);
	await screenshots(page, 'topup-zh');

	// A code that does not exist: the service's refusal, in Chinese, beside the field.
	const code = page.getByLabel('兑换码', { exact: true });
	await code.fill('egc-not-a-real-code');
	await page.getByRole('button', { name: '兑换', exact: true }).click();
	await expect.poll(() => code.getAttribute('aria-invalid')).toBe('true');
	expect(await page.locator(`#${await code.getAttribute('aria-describedby')}`).textContent()).toBe('兑换码不存在，请检查后重试。');
	// Nothing typed: the form's own rule, in Chinese.
	await code.fill('');
	await page.getByRole('button', { name: '兑换', exact: true }).click();
	await expect.poll(async () => page.locator(`#${await code.getAttribute('aria-describedby')}`).textContent()).toBe('请输入兑换码。');

	// An amount below the smallest top-up: refused beside the field, in Chinese, with nothing sent to Stripe.
	const amount = page.getByLabel('金额（CNY）');
	await amount.fill('2');
	await page.getByRole('button', { name: '前往支付' }).click();
	await expect.poll(() => amount.getAttribute('aria-invalid')).toBe('true');
	expect(await page.locator('#pay-amount-error').textContent()).toBe('充值金额须在 5 至 500 CNY 之间');
	// Emptied (the form reads it as zero): the schema's own rule, in Chinese.
	await amount.fill('');
	await page.getByRole('button', { name: '前往支付' }).click();
	await expect.poll(() => page.locator('#pay-amount-error').textContent()).toBe('金额必须大于零。');
	expect(stripe.requests).toHaveLength(0);
	await zh.context.close();
});
