import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { ApiClient } from '../harness/api-client';
import { launchBrowser } from '../harness/browser';
import { freshDatabase, type TestDatabase } from '../harness/database';
import { startServer, type TestServer } from '../harness/server';
import { expectAccessible, newViewerContext, signedIn } from '../harness/ui';

// The console's language (docs/i18n.md): Accept-Language on a first visit, a switch that works
// with and without JavaScript, the choice kept in a cookie and in the profile across sign-ins,
// form errors in the page's language, and the API always in English.
const ADMIN_TOKEN = 'language-admin-token-0123456789abcd';

let db: TestDatabase;
let server: TestServer;
let browser: Browser;

beforeAll(async () => {
	db = await freshDatabase();
	server = await startServer({ env: { DATABASE_URL: db.url, ELYGATE_ROOT_PASSWORD: 'root-password-1', ELYGATE_ADMIN_TOKEN: ADMIN_TOKEN } });
	const api = new ApiClient(server.url, { bearer: ADMIN_TOKEN });
	for (const name of ['lin', 'mei', 'tao']) expect((await api.post('/api/users', { username: name, password: `${name}-password-1` })).status).toBe(201);
	browser = await launchBrowser();
});

afterAll(async () => {
	await browser?.close();
	await server?.stop();
	await db?.drop();
});

const lang = (page: Page) => page.locator('html').getAttribute('lang');
const profileLocale = async (username: string) => (await db.sql<{ locale: string | null }[]>`select locale from users where username = ${username}`)[0]?.locale;

test('a first visit follows Accept-Language, any Chinese reading Simplified Chinese', async () => {
	for (const [header, expected, heading] of [
		['zh-CN,zh;q=0.9', 'zh-CN', '登录'],
		['zh-TW', 'zh-CN', '登录'],
		['fr-FR, en;q=0.5', 'en', 'Sign in']
	] as const) {
		const context = await newViewerContext(browser, { locale: header.split(',')[0] });
		await context.setExtraHTTPHeaders({ 'accept-language': header });
		const page = await context.newPage();
		await page.goto(`${server.url}/login`);
		expect(await lang(page)).toBe(expected);
		expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe(heading);
		expect(await page.title()).toBe(`${heading} · Elygate`);
		await context.close();
	}
});

test('the switch works without JavaScript, and the choice made before sign-in is kept in the profile', async () => {
	const context = await newViewerContext(browser, { javaScript: false, locale: 'en-US' });
	const page = await context.newPage();
	await page.goto(`${server.url}/login`);
	expect(await lang(page)).toBe('en');
	const form = page.locator('form[action="/locale"]');
	await form.getByLabel('Language').selectOption('zh-CN');
	await form.getByRole('button', { name: 'Apply' }).click();
	await expect.poll(() => lang(page)).toBe('zh-CN');
	expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('登录');

	await page.locator('input[name="username"]').fill('lin');
	await page.locator('input[name="password"]').fill('lin-password-1');
	await page.getByRole('button', { name: '登录' }).click();
	await page.waitForURL(`${server.url}/`);
	expect(await lang(page)).toBe('zh-CN');
	expect(await page.getByRole('navigation', { name: '主导航' }).first().getByRole('link', { name: 'API 密钥' }).count()).toBe(1);
	expect(await profileLocale('lin')).toBe('zh-CN');
	await context.close();

	// Another device with no choice of its own and an English browser: the profile's choice comes to it.
	const other = await signedIn(browser, server.url, 'lin', 'lin-password-1', { locale: 'en-US' });
	expect(await lang(other.page)).toBe('zh-CN');
	expect((await other.context.cookies()).find((c) => c.name === 'elygate_locale')?.value).toBe('zh-CN');
	await other.context.close();
});

test('with JavaScript the switch applies on change, and a signed-in choice is saved to the profile', async () => {
	const { context, page } = await signedIn(browser, server.url, 'mei', 'mei-password-1', { locale: 'en-US' });
	expect(await lang(page)).toBe('en');
	const header = page.locator('header form[action="/locale"]').last();
	expect(await header.getByRole('button').count()).toBe(0); // no Apply button when scripts run
	await header.getByLabel('Language').selectOption('zh-CN');
	await expect.poll(() => lang(page)).toBe('zh-CN');
	expect(new URL(page.url()).pathname).toBe('/');
	expect(await profileLocale('mei')).toBe('zh-CN');
	await expectAccessible(page);

	// The theme too needs no Apply press.
	const theme = page.locator('header form[action="/theme"]').last();
	await theme.getByLabel('主题').selectOption('dark');
	await expect.poll(() => page.locator('html').getAttribute('class')).toBe('dark');

	await page.locator('header form[action="/locale"]').last().getByLabel('语言').selectOption('en');
	await expect.poll(() => lang(page)).toBe('en');
	expect(await profileLocale('mei')).toBe('en');
	await context.close();
});

test('form errors show in Chinese beside their field', async () => {
	const context = await newViewerContext(browser, { locale: 'zh-CN' });
	const page = await context.newPage();
	await page.goto(`${server.url}/register`);
	await page.locator('input[name="username"]').fill('x');
	await page.locator('input[name="password"]').fill('short');
	await page.locator('input[name="confirm"]').fill('other');
	await page.getByRole('button', { name: '注册' }).click();
	const username = page.getByLabel('用户名', { exact: true });
	await expect.poll(() => username.getAttribute('aria-invalid')).toBe('true');
	expect(await page.locator(`#${await username.getAttribute('aria-describedby')}`).textContent()).toBe('至少使用 3 个字符。');
	const password = page.getByLabel('密码', { exact: true });
	expect(await page.locator(`#${await password.getAttribute('aria-describedby')}`).textContent()).toBe('至少使用 8 个字符。');
	await context.close();
});

test('the API and /v1 answer in English whatever the browser asks for', async () => {
	const headers = { 'accept-language': 'zh-CN', cookie: 'elygate_locale=zh-CN', 'content-type': 'application/json' };
	const api = await fetch(`${server.url}/api/users`, { method: 'POST', headers: { ...headers, authorization: `Bearer ${ADMIN_TOKEN}` }, body: JSON.stringify({ username: 'x', password: 'short' }) });
	expect(api.status).toBe(400);
	const body = (await api.json()) as { error: { message: string } };
	expect(body.error.message).toMatch(/^[\x20-\x7e]+$/);
	expect(body.error.message).not.toMatch(/\p{Script=Han}/u);
	const v1 = await fetch(`${server.url}/v1/models`, { headers: { ...headers, authorization: 'Bearer sk-not-a-key' } });
	expect(v1.status).toBe(401);
	expect(((await v1.json()) as { error: { message: string } }).error.message).not.toMatch(/\p{Script=Han}/u);
});

test('an unknown language posted to the switch changes nothing', async () => {
	const context = await newViewerContext(browser, { locale: 'en-US' });
	const page = await context.newPage();
	await page.goto(`${server.url}/login`);
	const res = await page.request.post(`${server.url}/locale`, { form: { locale: 'xx-YY', next: '/login' }, headers: { origin: server.url, accept: 'text/html' }, maxRedirects: 0 });
	expect(res.status()).toBe(303);
	expect((await context.cookies()).find((c) => c.name === 'elygate_locale')).toBeUndefined();
	await context.close();
});
