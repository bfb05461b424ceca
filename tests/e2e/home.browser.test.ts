import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { formatUsd } from '../../src/lib/money';
import { addDays, dayIn, startOfDay } from '../../src/lib/time-zone';
import { ApiClient } from '../harness/api-client';
import { launchBrowser } from '../harness/browser';
import { freshDatabase, type TestDatabase } from '../harness/database';
import { eventually } from '../harness/eventually';
import { TEST_SECRET_KEY } from '../harness/fixtures';
import { startServer, type TestServer } from '../harness/server';
import { expectAccessible, expectFitsViewport, screenshots, signedIn, type ViewerOptions } from '../harness/ui';

// The pages a person lands on: root's setup checklist and a user's dashboard, "today" in the
// viewer's own time zone (or UTC, as root chooses), API keys, the account page with its
// language choice, the overview and settings; both languages, desktop and phone widths.
const ADMIN_TOKEN = 'home-admin-token-0123456789abcdef';
const ROOT = ['root', 'root-password-1'] as const;
const SHANGHAI = 'Asia/Shanghai';
const HOUR_MS = 3_600_000;

let db: TestDatabase;
let server: TestServer;
let browser: Browser;
let api: ApiClient;

beforeAll(async () => {
	db = await freshDatabase();
	server = await startServer({ env: { DATABASE_URL: db.url, ELYGATE_SECRET_KEY: TEST_SECRET_KEY, ELYGATE_ADMIN_TOKEN: ADMIN_TOKEN, ELYGATE_ROOT_PASSWORD: ROOT[1] } });
	api = new ApiClient(server.url, { bearer: ADMIN_TOKEN });
	browser = await launchBrowser();
});

afterAll(async () => {
	await browser?.close();
	await server?.stop();
	await db?.drop();
});

const signIn = (username: string, password: string, opts: ViewerOptions = {}) => signedIn(browser, server.url, username, password, opts);

const state = (page: Page, key: string) => page.getByTestId(`setup-${key}`).getAttribute('data-done');

test('root lands on a setup checklist computed from real state; a user keeps their dashboard', async () => {
	// A closed registration and nobody but root: every step is still to do.
	expect((await api.patch('/api/options', { 'registration.enabled': false })).status).toBe(200);
	const root = await signIn(...ROOT);
	const page = root.page;
	// Options reach the snapshot through NOTIFY.
	await eventually(async () => {
		await page.goto(`${server.url}/`);
		expect(await state(page, 'users')).toBe('false');
	});
	const list = page.getByTestId('setup-checklist');
	expect(await list.isVisible()).toBe(true);
	expect(await page.getByTestId('setup-progress').textContent()).toBe('0 of 4 done');
	for (const key of ['channel', 'prices', 'users', 'payments']) expect(await state(page, key), key).toBe('false');
	expect(await list.getByRole('link', { name: 'Add a channel' }).getAttribute('href')).toBe('/admin/channels/new');
	expect(await list.getByRole('link', { name: 'Check prices' }).getAttribute('href')).toBe('/admin/prices');
	expect(await page.getByTestId('setup-users').textContent()).toContain('Registration is closed');
	// Root's own usage follows, without the end user's "redeem a code" steps.
	expect(await page.getByRole('heading', { name: 'Your own usage' }).count()).toBe(1);
	expect(await page.getByTestId('dashboard-empty').count()).toBe(0);
	expect(await page.getByTestId('dashboard-admin-empty').isVisible()).toBe(true);
	await expectAccessible(page);

	// A channel: done. Its models need prices: gpt-4o carries the seeded default, which is unverified; the other has none.
	const channel = await api.post('/api/channels', { type: 'openai', name: 'first', baseUrl: 'http://127.0.0.1:9/v1', models: ['gpt-4o', 'home-model'], keys: ['sk-upstream-home-0001'] });
	expect(channel.status).toBe(201);
	await page.reload();
	expect(await state(page, 'channel')).toBe('true');
	expect(await page.getByTestId('setup-channel').textContent()).toContain('Enabled channels: 1.');
	expect(await state(page, 'prices')).toBe('false');
	expect(await page.getByTestId('setup-prices').textContent()).toContain(': 2 (gpt-4o, home-model)');

	// Saving the prices marks them checked.
	for (const model of ['gpt-4o', 'home-model']) expect((await api.post('/api/prices', { model, modelRatio: 1.25, completionRatio: 4 })).status).toBe(200);
	await page.reload();
	expect(await state(page, 'prices')).toBe('true');

	// Someone else's account, then Stripe's secrets.
	const user = await api.post('/api/users', { username: 'first-user', password: 'first-user-password-1' });
	expect(user.status).toBe(201);
	expect((await api.patch('/api/payments/settings', { stripeSecretKey: 'sk_test_home0123456789abcdef', stripeWebhookSecret: 'whsec_home0123456789abcdefghij' })).status).toBe(200);
	await page.reload();
	expect(await state(page, 'users')).toBe('true');
	expect(await page.getByTestId('setup-users').textContent()).toContain('Accounts besides yours: 1.');
	expect(await state(page, 'payments')).toBe('true');
	expect(await page.getByTestId('setup-progress').textContent()).toBe('4 of 4 done');
	await screenshots(page, 'home-root-checklist');
	await root.context.close();

	// Registration open counts as inviting users.
	expect((await api.patch('/api/options', { 'registration.enabled': true })).status).toBe(200);

	// A user sees no checklist: their balance, their windows and the first steps.
	const plain = await signIn('first-user', 'first-user-password-1');
	await plain.page.goto(`${server.url}/`);
	expect(await plain.page.getByTestId('setup-checklist').count()).toBe(0);
	expect(await plain.page.getByTestId('dashboard-empty').isVisible()).toBe(true);
	expect(await plain.page.getByTestId('role').textContent()).toBe('User');
	await plain.context.close();
});

test("today is the viewer's day: a call just after midnight in Shanghai counts today there; root may choose UTC days instead", async () => {
	// A balance below a cent: shown with the digits spend gets, not rounded to $0.00.
	const created = await api.post('/api/users', { username: 'zoned', password: 'zoned-password-1', quota: 1234 });
	expect(created.status).toBe(201);
	const userId = created.body.id as number;
	const now = Date.now();
	const today = dayIn(SHANGHAI, now);
	const midnight = startOfDay(SHANGHAI, today);
	// Three calls in the hour after midnight, five in the hour before (yesterday in Shanghai).
	const rows = [
		{ at: midnight + 60_000, requests: 3 },
		{ at: midnight - 60_000, requests: 5 }
	];
	for (const r of rows) {
		const hour = new Date(Math.floor(r.at / HOUR_MS) * HOUR_MS).toISOString();
		const day = new Date(r.at).toISOString().slice(0, 10);
		await db.sql`insert into usage_hourly (hour, user_id, channel_id, model, requests, prompt_tokens, completion_tokens, cost)
			values (${hour}::timestamptz, ${userId}, 0, 'zone-model', ${r.requests}, 10, 5, ${r.requests * 1000})`;
		await db.sql`insert into usage_daily (day, user_id, api_key_id, channel_id, model, requests, prompt_tokens, completion_tokens, cost)
			values (${day}, ${userId}, 0, 0, 'zone-model', ${r.requests}, 10, 5, ${r.requests * 1000})
			on conflict (day, user_id, api_key_id, channel_id, model) do update set requests = usage_daily.requests + excluded.requests`;
	}

	const viewer = await signIn('zoned', 'zoned-password-1', { timezoneId: SHANGHAI });
	const page = viewer.page;
	await page.goto(`${server.url}/`);
	expect(await page.getByTestId('day-zone').textContent()).toBe(`Days are counted in your time zone, ${SHANGHAI}.`);
	expect(await page.getByTestId('window-requests').allTextContents()).toEqual(['3', '8', '8']);
	expect(await page.getByTestId('balance').textContent()).toContain(formatUsd(1234));
	expect(formatUsd(1234)).toBe('$0.002468');
	expect((await page.getByTestId('window-spend').allTextContents())[0]).toContain(formatUsd(3000));
	const todayLabel = new Date(`${today}T00:00:00Z`).toLocaleDateString('en', { month: 'short', day: 'numeric', timeZone: 'UTC' });
	expect(await page.getByTestId('usage-window').first().textContent()).toContain(`Today (${todayLabel})`);
	await page.getByText('Show the figures').click();
	const figures = await page.getByTestId('spend-table').locator('tbody tr th').allTextContents();
	const yesterdayLabel = new Date(`${addDays(today, -1)}T00:00:00Z`).toLocaleDateString('en', { month: 'short', day: 'numeric', timeZone: 'UTC' });
	expect(figures).toEqual([yesterdayLabel, todayLabel]);

	// The first page a browser opens is counted in UTC, labelled so; its script names the zone and the page counts again.
	await viewer.context.clearCookies({ name: 'elygate_tz' });
	const first = await page.goto(`${server.url}/`);
	expect(await first!.text()).toContain('your browser has not told its time zone yet');
	await expect.poll(() => page.getByTestId('day-zone').textContent()).toBe(`Days are counted in your time zone, ${SHANGHAI}.`);
	expect((await page.getByTestId('window-requests').allTextContents())[0]).toBe('3');

	// The overview counts the same days.
	const root = await signIn(...ROOT, { timezoneId: SHANGHAI });
	await root.page.goto(`${server.url}/admin?days=7`);
	expect(await root.page.getByTestId('day-zone').textContent()).toContain(SHANGHAI);
	const byModel = root.page.getByRole('region', { name: 'By model: day by day' });
	await root.page.getByText('Day by day').first().click();
	const todayRow = byModel.getByRole('row').filter({ has: root.page.getByRole('rowheader', { name: today, exact: true }) });
	expect(await todayRow.locator('td').allTextContents()).toEqual(['3']);

	// Root chooses UTC days for everyone in the settings.
	await root.page.goto(`${server.url}/admin/settings`);
	expect(await root.page.content()).not.toContain('once its layout reads the option');
	await root.page.getByLabel('UTC for everyone').check();
	await root.page.getByRole('button', { name: 'Save settings' }).click();
	await expect.poll(() => root.page.getByRole('status').first().textContent()).toContain('Saved 1 setting.');
	expect(await db.sql`select value from options where key = 'console.day_zone'`).toEqual([{ value: 'utc' }]);
	await root.context.close();

	await eventually(async () => {
		await page.goto(`${server.url}/`);
		expect(await page.getByTestId('day-zone').textContent()).toBe('Days are UTC days, as the administrator set.');
	});
	const utcToday = new Date(now).toISOString().slice(0, 10);
	const expected = rows.filter((r) => new Date(r.at).toISOString().slice(0, 10) === utcToday).reduce((n, r) => n + r.requests, 0);
	expect((await page.getByTestId('window-requests').allTextContents())[0]).toBe(String(expected));
	await viewer.context.close();
	expect((await api.patch('/api/options', { 'console.day_zone': 'viewer' })).status).toBe(200);
});

test('without JavaScript the server renders times in the zone the cookie names, and in UTC, marked, without one', async () => {
	const { context, page } = await signIn('zoned', 'zoned-password-1', { javaScript: false });
	const [session] = await db.sql<Array<{ created_at: Date }>>`select s.created_at from sessions s join users u on u.id = s.user_id where u.username = 'zoned' order by s.created_at desc limit 1`;
	const shown = (zone: string) => session!.created_at.toLocaleString('en', { dateStyle: 'medium', timeStyle: 'short', timeZone: zone });
	const signedInCell = () => page.getByTestId('sessions').locator('tbody tr').first().locator('td').nth(1).textContent();

	await page.goto(`${server.url}/account`);
	expect(await signedInCell()).toBe(`${shown('UTC')} UTC`);
	expect(await page.getByTestId('day-zone').count()).toBe(0);
	await page.goto(`${server.url}/`);
	expect(await page.getByTestId('day-zone').textContent()).toBe('Days are UTC days: your browser has not told its time zone yet.');

	await context.addCookies([{ name: 'elygate_tz', value: SHANGHAI, url: server.url }]);
	await page.goto(`${server.url}/account`);
	expect(await signedInCell()).toBe(shown(SHANGHAI));
	// A name that is no zone is ignored.
	await context.addCookies([{ name: 'elygate_tz', value: 'Mars/Olympus', url: server.url }]);
	await page.goto(`${server.url}/account`);
	expect(await signedInCell()).toBe(`${shown('UTC')} UTC`);
	await context.close();
});

test('the language chosen on the account page is kept in the profile: signed out, cookies cleared, signed in again, the console is Chinese', async () => {
	expect((await api.post('/api/users', { username: 'linguist', password: 'linguist-password-1' })).status).toBe(201);
	const { context, page } = await signIn('linguist', 'linguist-password-1');
	await page.goto(`${server.url}/account`);
	await page.locator('#account-locale').selectOption('zh-CN');
	await page.getByRole('button', { name: 'Save language' }).click();
	// Chromium sends Accept-Language: en-US; the choice wins over it.
	await expect.poll(() => page.locator('html').getAttribute('lang')).toBe('zh-CN');
	expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('个人设置');
	expect(await page.locator('#account-locale').inputValue()).toBe('zh-CN');
	expect(await db.sql`select locale from users where username = 'linguist'`).toEqual([{ locale: 'zh-CN' }]);

	await page.getByRole('button', { name: '退出登录' }).click();
	await page.waitForURL(/\/login/);
	await context.clearCookies();
	await page.goto(`${server.url}/login`);
	await page.waitForLoadState('networkidle');
	expect(await page.locator('html').getAttribute('lang')).toBe('en');
	// Showing a page in a language is not choosing it: no locale cookie, so the profile's comes back.
	expect((await context.cookies()).map((c) => c.name)).not.toContain('elygate_locale');
	await page.locator('input[name="username"]').fill('linguist');
	await page.locator('input[name="password"]').fill('linguist-password-1');
	await page.getByRole('button', { name: 'Sign in' }).click();
	await page.waitForURL(`${server.url}/`);
	// Signing in brings the profile's language: the document is loaded again in it.
	await expect.poll(() => page.locator('html').getAttribute('lang')).toBe('zh-CN');
	await expect.poll(() => page.title()).toBe('仪表盘 · Elygate');
	expect(await page.getByTestId('dashboard-empty').textContent()).toContain('快速上手');
	await context.close();
});

test('with JavaScript the theme applies as soon as it is chosen, no Apply button', async () => {
	const { context, page } = await signIn('linguist', 'linguist-password-1');
	await page.goto(`${server.url}/keys`);
	await page.waitForLoadState('networkidle');
	const theme = page.locator('header form[action="/theme"]').last();
	expect(await theme.getByRole('button').count()).toBe(0);
	await theme.locator('select').selectOption('dark');
	await expect.poll(() => page.locator('html').getAttribute('class')).toBe('dark');
	expect(new URL(page.url()).pathname).toBe('/keys');
	await context.close();
});

test('form errors and service refusals of the key form are in Chinese beside their fields', async () => {
	const { context, page } = await signIn('linguist', 'linguist-password-1');
	await page.goto(`${server.url}/keys/new`);
	expect(await page.locator('html').getAttribute('lang')).toBe('zh-CN');
	await page.getByLabel('名称', { exact: true }).fill('中文密钥');
	await page.getByLabel('消费限额（美元，可选）').fill('-1');
	await page.getByRole('button', { name: '创建密钥' }).click();
	const limit = page.getByLabel('消费限额（美元，可选）');
	await expect.poll(() => limit.getAttribute('aria-invalid')).toBe('true');
	expect(await page.locator(`[id="${await limit.getAttribute('aria-describedby')}"]`).textContent()).toBe('限额不能为负数。');
	await limit.fill('');
	await page.getByLabel('允许的 IP 地址（可选）').fill('10.0.0.0/33');
	await page.getByRole('button', { name: '创建密钥' }).click();
	const ips = page.getByLabel('允许的 IP 地址（可选）');
	await expect.poll(() => ips.getAttribute('aria-invalid')).toBe('true');
	expect(await page.locator(`[id="${await ips.getAttribute('aria-describedby')}"]`).textContent()).toBe('“10.0.0.0/33”不是有效的 IP 地址或 CIDR 网段');
	expect(await db.sql`select 1 from api_keys k join users u on u.id = k.user_id where u.username = 'linguist'`).toHaveLength(0);
	// The API keeps English.
	const refused = await api.post('/api/keys', { name: 'x', userId: (await db.sql`select id from users where username = 'linguist'`)[0]!.id, allowedIps: ['10.0.0.0/33'] });
	expect(refused.body.error.message).toBe('allowedIps: "10.0.0.0/33" is not a valid IP address or CIDR range');
	await context.close();
});

const PAGES = ['/', '/keys', '/keys/new', '/account', '/admin', '/admin/settings', '/admin/settings/import'];

test('every page of this area fits the screen at 1280 and 390 px, light and dark, passes axe at both widths, in English and in Chinese', async () => {
	const rootId = (await db.sql`select id from users where username = 'root'`)[0]!.id as number;
	expect((await api.post('/api/keys', { name: 'a rather long key name for the phone layout check', userId: rootId, quotaLimit: 5_000_000 })).status).toBe(201);
	for (const locale of ['en', 'zh-CN'] as const) {
		const { context, page } = await signIn(...ROOT);
		await context.addCookies([{ name: 'elygate_locale', value: locale, url: server.url }]);
		for (const path of PAGES) {
			await page.setViewportSize({ width: 1280, height: 860 });
			await page.emulateMedia({ colorScheme: 'light' });
			const res = await page.goto(`${server.url}${path}`);
			expect(res?.status(), path).toBe(200);
			await page.waitForLoadState('networkidle');
			expect(await page.locator('html').getAttribute('lang'), path).toBe(locale);
			await expectFitsViewport(page, `${path} ${locale} at 1280`);
			if (locale === 'zh-CN') {
				expect(await page.title(), path).toMatch(/\p{Script=Han}/u);
				const text = (await page.locator('main').innerText()) ?? '';
				expect(text, path).not.toMatch(/\b(dashboard|keys|account|settings|overview)_[a-z_]+\b/);
				expect(await page.getByRole('heading', { level: 1 }).textContent(), path).toMatch(/\p{Script=Han}/u);
			}
			await expectAccessible(page);
			await page.setViewportSize({ width: 390, height: 844 });
			await expectFitsViewport(page, `${path} ${locale} at 390`);
			await expectAccessible(page);
			await page.emulateMedia({ colorScheme: 'dark' });
			await expectFitsViewport(page, `${path} ${locale} at 390, dark`);
			await screenshots(page, `home-${locale}-${path === '/' ? 'dashboard' : path.slice(1).replaceAll('/', '-')}`);
		}
		// On a phone the keys are cards, and each row's actions are on screen.
		await page.setViewportSize({ width: 390, height: 844 });
		await page.goto(`${server.url}/keys`);
		const row = page.getByTestId('key-row').first();
		for (const action of [row.getByRole('button'), row.getByRole('link').last()]) {
			const box = await action.boundingBox();
			expect(box && box.x >= 0 && box.x + box.width <= 390, locale).toBe(true);
		}
		await context.close();
	}
});
