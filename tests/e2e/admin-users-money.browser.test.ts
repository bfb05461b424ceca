import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { ApiClient } from '../harness/api-client';
import { launchBrowser } from '../harness/browser';
import { freshDatabase, type TestDatabase } from '../harness/database';
import { startServer, type TestServer } from '../harness/server';
import { expectAccessible, expectFitsViewport, screenshots, stopTransitions } from '../harness/ui';

// The admin pages for people and money (users, redemption codes, groups & prices, payments,
// tokens & audit): creating a user, bulk enable / disable, a price kept in the unit it was typed
// in, and every page in English and Chinese at desktop and phone widths, light and dark.
const ADMIN_TOKEN = 'users-money-admin-token-0123456789abcdef';
const ROOT = ['root', 'root-password-1'] as const;
const LONG_MODEL = 'claude-sonnet-4-5-20250929-thinking-extended-preview';
const LONG_USER = 'someone_with.a-long-username-32';

let db: TestDatabase;
let server: TestServer;
let browser: Browser;
let api: ApiClient;
const ids: Record<string, number> = {};

beforeAll(async () => {
	db = await freshDatabase();
	server = await startServer({ env: { DATABASE_URL: db.url, ELYGATE_ROOT_PASSWORD: ROOT[1], ELYGATE_ADMIN_TOKEN: ADMIN_TOKEN } });
	api = new ApiClient(server.url, { bearer: ADMIN_TOKEN });
	expect((await api.post('/api/groups', { name: 'vip', ratio: 0.8, description: 'Partners and early customers, billed at a discount' })).status).toBeLessThan(300);
	const people: Array<[string, string, Record<string, unknown>]> = [
		['ada', 'admin', {}],
		['carol', 'user', { quota: 5_000_000 }],
		['dave', 'user', {}],
		['erin', 'user', {}],
		[LONG_USER, 'user', { email: 'someone.with.a.long.address@subsidiary.example-company.com', quota: 123_456_789 }]
	];
	for (const [username, role, extra] of people) {
		const made = await api.post('/api/users', { username, password: `${username}-password-1`, role, ...extra });
		expect(made.status, username).toBe(201);
		ids[username] = made.body.id;
	}
	for (const price of [
		{ model: 'gpt-4o-mini', modelRatio: 0.075, completionRatio: 4, cacheReadRatio: 0.5 },
		{ model: LONG_MODEL, modelRatio: 1.5, completionRatio: 5, cacheReadRatio: 0.1, source: 'https://www.anthropic.com/pricing#api (checked by hand on a long afternoon)' },
		{ model: 'dall-e-3', modelRatio: 0, pricePerRequestUsd: 0.04 }
	]) {
		expect((await api.post('/api/prices', price)).status, price.model).toBe(200);
	}
	const codes = await api.post('/api/redemptions', { name: 'Launch giveaway for the partner newsletter', amountUsd: 5, count: 3, expiresAt: '2099-12-31T23:59:00Z' });
	expect(codes.status).toBe(201);
	await db.sql`update redemption_codes set status = 'used', redeemed_by = ${ids[LONG_USER]!}, redeemed_at = now() where id = ${codes.body.codes[0].id}`;
	await db.sql`insert into payment_orders (user_id, amount, currency, quota, status, paid_at) values
		(${ids.carol!}, 2500, 'usd', 13500000, 'paid', now()), (${ids[LONG_USER]!}, 100000, 'cny', 7000000, 'pending', null)`;
	expect((await api.post('/api/tokens', { name: 'Terraform in the deployment pipeline', scope: 'admin' })).status).toBe(201);
	browser = await launchBrowser();
}, 120_000);

afterAll(async () => {
	await browser?.close();
	await server?.stop();
	await db?.drop();
});

/**
 * Signs in through the form on a device that chose `locale` (the cookie the language switch
 * sets, which also becomes the account's language), whatever the page's language: the fields
 * are found by name.
 */
async function signedInIn(locale: 'en' | 'zh-CN', username: string, password: string, opts: { javaScript?: boolean } = {}): Promise<{ context: BrowserContext; page: Page }> {
	const context = await browser.newContext({
		javaScriptEnabled: opts.javaScript ?? true,
		viewport: { width: 1280, height: 860 },
		locale,
		extraHTTPHeaders: { 'accept-language': locale === 'zh-CN' ? 'zh-CN,zh;q=0.9' : 'en-US,en;q=0.9' }
	});
	await context.addCookies([{ name: 'elygate_locale', value: locale, url: server.url }]);
	const page = await context.newPage();
	page.setDefaultTimeout(10_000);
	await page.goto(`${server.url}/login`);
	await page.locator('input[name="username"]').fill(username);
	await page.locator('input[name="password"]').fill(password);
	await page.locator('input[name="password"]').press('Enter');
	await page.waitForURL((url) => !url.pathname.startsWith('/login'));
	return { context, page };
}

/** The error text shown for a field, found through its aria-describedby. */
async function fieldError(page: Page, field: ReturnType<Page['getByLabel']>): Promise<string> {
	await expect.poll(() => field.getAttribute('aria-invalid')).toBe('true');
	const id = ((await field.getAttribute('aria-describedby')) ?? '').split(' ').find((i) => i.endsWith('-error'));
	expect(id).toBeDefined();
	return (await page.locator(`[id="${id}"]`).textContent()) ?? '';
}

const userRow = async (username: string) => (await db.sql`select id, role, "group", display_name, status, quota::int8 as quota from users where username = ${username}`)[0];

test('root creates a user from the console; the new account signs in', async () => {
	const { context, page } = await signedInIn('en', ...ROOT);
	await page.goto(`${server.url}/admin/users`);
	await page.getByRole('link', { name: 'New user' }).click();
	await page.waitForURL(`${server.url}/admin/users/new`);
	expect(await page.getByLabel('Role', { exact: true }).locator('option').allTextContents()).toEqual(['User', 'Administrator', 'Root']);
	await expectAccessible(page);
	await screenshots(page, 'admin-user-new');

	await page.getByLabel('Username', { exact: true }).fill('frank');
	await page.getByLabel('Display name (optional)').fill('Frank from Sales');
	await page.getByLabel('Email (optional)').fill('frank@example.com');
	await page.getByLabel('Password', { exact: true }).fill('frank-password-1');
	await page.getByLabel('Role', { exact: true }).selectOption('admin');
	await page.getByLabel('Group', { exact: true }).selectOption('vip');
	await page.getByLabel('Starting balance (USD)').fill('12.5');
	await page.getByRole('button', { name: 'Create user' }).click();
	await page.waitForURL(/\/admin\/users\/\d+\?created=1$/);
	expect(await page.getByRole('status').first().textContent()).toBe('Created the account frank.');
	expect(await userRow('frank')).toMatchObject({ role: 'admin', group: 'vip', display_name: 'Frank from Sales', status: 'active', quota: '6250000' });
	expect(await page.getByTestId('user-balance').textContent()).toContain('$12.50');
	const audit = await db.sql`select actor_kind, (select username from users where id = actor_id) as actor from audit_log where action = 'user.create' and target_id = ${String((await userRow('frank'))!.id)}`;
	expect(audit).toEqual([{ actor_kind: 'user', actor: 'root' }]);
	await context.close();

	const frank = await signedInIn('en', 'frank', 'frank-password-1');
	expect(await frank.page.getByTestId('admin-nav').count()).toBeGreaterThan(0);
	await frank.context.close();
});

test('an administrator is offered the user role only', async () => {
	const { context, page } = await signedInIn('en', 'ada', 'ada-password-1');
	await page.goto(`${server.url}/admin/users/new`);
	expect(await page.getByLabel('Role', { exact: true }).locator('option').allTextContents()).toEqual(['User']);
	expect(await page.getByText('Only root creates administrators.').count()).toBe(1);
	// Rows the administrator may not change cannot be ticked: root, administrators, themself.
	await page.goto(`${server.url}/admin/users`);
	for (const [name, disabled] of [['root', true], ['ada', true], ['carol', false]] as const) {
		expect(await page.getByRole('checkbox', { name: `Select ${name}`, exact: true }).isDisabled(), name).toBe(disabled);
	}
	await context.close();
});

test('in Chinese, form errors show in Chinese beside their fields (a too-short password, a taken username)', async () => {
	const { context, page } = await signedInIn('zh-CN', ...ROOT);
	await page.goto(`${server.url}/admin/users/new`);
	expect(await page.locator('html').getAttribute('lang')).toBe('zh-CN');
	expect(await page.title()).toBe('新建用户 · 用户 · Elygate');
	await page.getByLabel('用户名', { exact: true }).fill('carol');
	await page.getByLabel('密码', { exact: true }).fill('short');
	await page.getByRole('button', { name: '创建用户' }).click();
	expect(await fieldError(page, page.getByLabel('密码', { exact: true }))).toBe('至少使用 8 个字符。');

	await page.getByLabel('密码', { exact: true }).fill('long-enough-password');
	await page.getByRole('button', { name: '创建用户' }).click();
	expect(await fieldError(page, page.getByLabel('用户名', { exact: true }))).toBe('该用户名已被占用。');
	expect(await page.getByLabel('密码', { exact: true }).inputValue()).toBe('');
	expect((await db.sql`select count(*)::int as n from users where lower(username) = 'carol'`)[0]!.n).toBe(1);
	await expectAccessible(page);
	await context.close();
});

test('bulk disable two users without JavaScript, then enable them with it', async () => {
	const noJs = await signedInIn('en', ...ROOT, { javaScript: false });
	await noJs.page.goto(`${server.url}/admin/users`);
	await noJs.page.getByRole('checkbox', { name: 'Select dave', exact: true }).check();
	await noJs.page.getByRole('checkbox', { name: 'Select erin', exact: true }).check();
	await noJs.page.getByRole('button', { name: 'Disable selected' }).click();
	await noJs.page.waitForLoadState();
	expect(await noJs.page.getByRole('status').first().textContent()).toContain('Disabled: dave and erin.');
	expect((await userRow('dave'))?.status).toBe('disabled');
	expect((await userRow('erin'))?.status).toBe('disabled');
	expect((await userRow('carol'))?.status).toBe('active');
	const audited = await db.sql`select target_id from audit_log where action = 'user.update' and after->>'status' = 'disabled' order by target_id::int`;
	expect(audited.map((r) => Number(r.target_id))).toEqual([ids.dave, ids.erin]);
	await noJs.context.close();

	const { context, page } = await signedInIn('en', ...ROOT);
	await page.goto(`${server.url}/admin/users`);
	const enable = page.getByRole('button', { name: 'Enable selected' });
	await expect.poll(() => enable.isDisabled()).toBe(true); // nothing ticked yet (once the page's script runs)
	await page.getByRole('checkbox', { name: 'Select dave', exact: true }).check();
	await page.getByRole('checkbox', { name: 'Select erin', exact: true }).check();
	expect(await page.getByTestId('bulk-bar').textContent()).toContain('2 selected');
	await enable.click();
	await expect.poll(async () => [(await userRow('dave'))?.status, (await userRow('erin'))?.status]).toEqual(['active', 'active']);
	await expect.poll(() => page.getByRole('status').first().textContent()).toContain('Enabled: dave and erin.');
	await expect.poll(() => page.getByRole('checkbox', { name: 'Select dave', exact: true }).isChecked()).toBe(false);
	await context.close();
});

test('a price saved in USD per million stays in USD, with and without JavaScript', async () => {
	for (const javaScript of [true, false]) {
		const { context, page } = await signedInIn('en', ...ROOT, { javaScript });
		const model = javaScript ? 'usd-kept' : 'usd-kept-nojs';
		await page.goto(`${server.url}/admin/prices`);
		await page.getByLabel('Model', { exact: true }).fill(model);
		await page.getByLabel('USD per million tokens').check();
		await page.getByLabel('Input, USD per million', { exact: true }).fill('2.5');
		await page.getByLabel('Output, USD per million (optional)').fill('10');
		await page.getByRole('button', { name: 'Save price' }).click();
		if (!javaScript) await page.waitForLoadState();
		await expect.poll(() => page.getByRole('status').first().textContent()).toContain(`Saved the price of ${model}.`);
		expect((await db.sql`select model_ratio, completion_ratio from model_prices where model = ${model}`)[0]).toEqual({ model_ratio: 1.25, completion_ratio: 4 });
		// Still USD: the radio, the values typed, and (with JavaScript) the USD fields shown.
		expect(await page.getByLabel('USD per million tokens').isChecked()).toBe(true);
		expect(await page.getByLabel('Input, USD per million', { exact: true }).inputValue()).toBe('2.5');
		expect(await page.getByLabel('Output, USD per million (optional)').inputValue()).toBe('10');
		if (javaScript) {
			expect(await page.getByTestId('usd-fields').isVisible()).toBe(true);
			expect(await page.getByTestId('ratio-fields').isVisible()).toBe(false);
			expect(await page.getByTestId('preview-model-ratio').textContent()).toBe('1.25');
		}
		// Saving again changes nothing: the form still holds the same price.
		await page.getByRole('button', { name: 'Save price' }).click();
		if (!javaScript) await page.waitForLoadState();
		await expect.poll(() => page.getByRole('status').first().textContent()).toContain(`Saved the price of ${model}.`);
		expect((await db.sql`select model_ratio, completion_ratio from model_prices where model = ${model}`)[0]).toEqual({ model_ratio: 1.25, completion_ratio: 4 });
		await context.close();
	}
	// Editing a saved row offers both forms of the same price.
	const { context, page } = await signedInIn('en', ...ROOT);
	await page.goto(`${server.url}/admin/prices?edit=usd-kept`);
	expect(await page.getByLabel('Model ratio', { exact: true }).inputValue()).toBe('1.25');
	await page.getByLabel('USD per million tokens').check();
	expect(await page.getByLabel('Input, USD per million', { exact: true }).inputValue()).toBe('2.5');
	expect(await page.getByLabel('Output, USD per million (optional)').inputValue()).toBe('10');
	await context.close();
});

test('redemption codes, payments and the audit log are filtered by username, not by id', async () => {
	const { context, page } = await signedInIn('en', ...ROOT);
	await page.goto(`${server.url}/admin/redemptions`);
	await page.getByLabel('Redeemed by', { exact: true }).fill(LONG_USER);
	await page.getByRole('button', { name: 'Filter' }).click();
	await page.waitForURL(/redeemer=/);
	const codes = page.getByTestId('codes-table');
	expect(await codes.locator('tbody tr').count()).toBe(1);
	expect(await codes.textContent()).toContain(LONG_USER);
	expect(await page.getByRole('link', { name: 'Export CSV' }).getAttribute('href')).toContain(`redeemedBy=${ids[LONG_USER]}`);
	await page.goto(`${server.url}/admin/redemptions?redeemer=nobody-at-all`);
	expect(await fieldError(page, page.getByLabel('Redeemed by', { exact: true }))).toBe('There is no user “nobody-at-all”.');

	await page.goto(`${server.url}/admin/payments`);
	await page.getByLabel('User', { exact: true }).fill('carol');
	await page.getByRole('button', { name: 'Filter' }).click();
	await page.waitForURL(/user=carol/);
	const orders = page.getByTestId('orders');
	expect(await orders.locator('tbody tr').count()).toBe(1);
	expect(await orders.textContent()).toContain('carol');
	expect(await orders.textContent()).toContain('$25.00');

	await page.goto(`${server.url}/admin/tokens?actor=nobody-at-all`);
	expect(await fieldError(page, page.getByLabel('Who', { exact: true }))).toBe('There is no user “nobody-at-all”.');
	await page.goto(`${server.url}/admin/tokens?actor=root&target=user`);
	expect(await page.getByTestId('audit-table').textContent()).toContain('user.create');
	expect(await page.getByTestId('tokens-table').textContent()).toContain('Terraform in the deployment pipeline');
	await context.close();
});

const PAGES = [
	{ path: '/admin/users', en: 'Users', zh: '用户' },
	{ path: '/admin/users/new', en: 'New user', zh: '新建用户' },
	{ path: '/admin/redemptions', en: 'Redemption codes', zh: '兑换码' },
	{ path: '/admin/prices', en: 'Groups & prices', zh: '分组与价格' },
	{ path: '/admin/payments', en: 'Payments', zh: '支付' },
	{ path: '/admin/tokens', en: 'Tokens & audit', zh: '令牌与审计' }
] as const;

for (const locale of ['en', 'zh-CN'] as const) {
	for (const p of [...PAGES, { path: '/admin/users/:long', en: LONG_USER, zh: LONG_USER }]) {
		test(`${locale}: ${p.path} fits 1280 and 390 px, light and dark, passes axe, and speaks the language`, async () => {
			const path = p.path.replace(':long', String(ids[LONG_USER]));
			const { context, page } = await signedInIn(locale, ...ROOT);
			for (const width of [1280, 390]) {
				await page.setViewportSize({ width, height: 860 });
				await page.goto(`${server.url}${path}`);
				await stopTransitions(page);
				for (const colorScheme of ['light', 'dark'] as const) {
					await page.emulateMedia({ colorScheme });
					await expectFitsViewport(page, `${path} at ${width} px, ${colorScheme}`);
					await expectAccessible(page);
				}
				await page.emulateMedia({ colorScheme: 'light' });
				expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe(locale === 'en' ? p.en : p.zh);
				if (locale === 'zh-CN') {
					expect(await page.locator('html').getAttribute('lang')).toBe('zh-CN');
					expect(await page.title()).toBe(`${p.zh === LONG_USER ? `${LONG_USER} · 用户` : p.path === '/admin/users/new' ? '新建用户 · 用户' : p.zh} · Elygate`);
					const text = await page.locator('main').innerText();
					// Chinese throughout, and no catalogue key shown in its place.
					expect(text).toMatch(/[\u4e00-\u9fff]/);
					expect(text).not.toMatch(/\b(users|prices|redemptions|payments|tokens|common|v)_[a-z_]+\b/);
				}
			}
			if (locale === 'en') await screenshots(page, `${p.path.slice(1).replace(':long', 'user').replace(/\//g, '-')}-page`);
			await context.close();
		});
	}
}

test('on a phone, every row action of the codes, prices, tokens and users lists is on screen', async () => {
	const { context, page } = await signedInIn('en', ...ROOT);
	await page.setViewportSize({ width: 390, height: 844 });
	const inView = async (locator: ReturnType<Page['locator']>) => {
		await locator.scrollIntoViewIfNeeded();
		const box = await locator.boundingBox();
		expect(box).not.toBeNull();
		expect(box!.x).toBeGreaterThanOrEqual(0);
		expect(box!.x + box!.width).toBeLessThanOrEqual(390);
	};
	await page.goto(`${server.url}/admin/redemptions`);
	await inView(page.getByTestId('codes-table').locator('summary', { hasText: 'Disable' }).first());
	await page.goto(`${server.url}/admin/prices`);
	await inView(page.getByRole('link', { name: `Edit the price of ${LONG_MODEL}` }));
	await inView(page.getByTestId('price-table').locator('summary', { hasText: 'Delete' }).first());
	await page.goto(`${server.url}/admin/tokens`);
	await inView(page.getByTestId('tokens-table').locator('summary', { hasText: 'Revoke' }).first());
	await page.goto(`${server.url}/admin/users`);
	await inView(page.getByRole('link', { name: `Manage ${LONG_USER}` }));
	await inView(page.getByRole('button', { name: 'Disable selected' }));
	await context.close();
});
