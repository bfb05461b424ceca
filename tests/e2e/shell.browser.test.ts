import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { ApiClient } from '../harness/api-client';
import { launchBrowser } from '../harness/browser';
import { freshDatabase, type TestDatabase } from '../harness/database';
import { startServer, type TestServer } from '../harness/server';
import { expectAccessible, screenshots, signedIn } from '../harness/ui';

// The console's frame: navigation by role, the admin gate, themes without JavaScript.
const ADMIN_TOKEN = 'shell-admin-token-0123456789abcdef';

let db: TestDatabase;
let server: TestServer;
let browser: Browser;

beforeAll(async () => {
	db = await freshDatabase();
	server = await startServer({ env: { DATABASE_URL: db.url, ELYGATE_ROOT_PASSWORD: 'root-password-1', ELYGATE_ADMIN_TOKEN: ADMIN_TOKEN } });
	expect((await new ApiClient(server.url, { bearer: ADMIN_TOKEN }).post('/api/users', { username: 'plain', password: 'plain-password-1' })).status).toBe(201);
	browser = await launchBrowser();
});

afterAll(async () => {
	await browser?.close();
	await server?.stop();
	await db?.drop();
});

test('a visitor is sent to sign in', async () => {
	const page = await browser.newPage();
	await page.goto(`${server.url}/keys`);
	expect(new URL(page.url()).pathname).toBe('/login');
	await page.close();
});

test('a user sees no administration and gets 403 on admin pages; root sees both menus', async () => {
	const user = await signedIn(browser, server.url, 'plain', 'plain-password-1');
	expect(await user.page.getByRole('navigation', { name: 'Main' }).first().getByRole('link', { name: 'API keys' }).count()).toBeGreaterThan(0);
	expect(await user.page.getByTestId('admin-nav').count()).toBe(0);
	const forbidden = await user.page.goto(`${server.url}/admin/channels`);
	expect(forbidden?.status()).toBe(403);
	await user.context.close();

	const root = await signedIn(browser, server.url, 'root', 'root-password-1');
	await root.page.goto(`${server.url}/`);
	expect(await root.page.getByTestId('admin-nav').first().getByRole('link', { name: 'Channels' }).count()).toBe(1);
	await expectAccessible(root.page);
	await screenshots(root.page, 'shell-dashboard-root');
	await root.context.close();
});

test('the theme can be chosen without JavaScript, and the server renders it', async () => {
	const { context, page } = await signedIn(browser, server.url, 'plain', 'plain-password-1', { javaScript: false });
	expect(await page.locator('html').getAttribute('class')).toBeNull();
	const header = page.locator('header form[action="/theme"]').last();
	await header.getByLabel('Theme').selectOption('dark');
	await header.getByRole('button', { name: 'Apply' }).click();
	await page.waitForLoadState();
	expect(await page.locator('html').getAttribute('class')).toBe('dark');
	expect(new URL(page.url()).pathname).toBe('/');
	await context.close();
});

test("the site's notice and name, set by an administrator, show on every console page", async () => {
	const admin = new ApiClient(server.url, { bearer: ADMIN_TOKEN });
	expect((await admin.patch('/api/options', { 'site.notice': 'Maintenance tonight at 22:00 UTC.', 'site.name': 'Acme AI' })).status).toBe(200);
	const { context, page } = await signedIn(browser, server.url, 'plain', 'plain-password-1');
	for (const path of ['/', '/keys']) {
		await page.goto(`${server.url}${path}`);
		expect(await page.getByTestId('site-notice').textContent()).toBe('Maintenance tonight at 22:00 UTC.');
		expect(await page.getByRole('link', { name: 'Acme AI' }).count()).toBeGreaterThan(0);
	}
	await context.close();
	expect((await admin.patch('/api/options', { 'site.notice': '', 'site.name': 'Elygate' })).status).toBe(200);
});

test('pages run under their Content-Security-Policy without a violation, scripts and charts included', async () => {
	const { context, page } = await signedIn(browser, server.url, 'root', 'root-password-1');
	const violations: string[] = [];
	page.on('console', (message) => {
		if (/content security policy/i.test(message.text())) violations.push(`${page.url()}: ${message.text()}`);
	});
	await page.addInitScript(() => {
		document.addEventListener('securitypolicyviolation', (e) => console.error(`Content Security Policy violation: ${e.violatedDirective} ${e.blockedURI}`));
	});
	for (const path of ['/', '/keys/new', '/logs', '/playground', '/admin', '/admin/channels/new', '/admin/prices', '/topup']) {
		const res = await page.goto(`${server.url}${path}`);
		expect(res?.status(), path).toBe(200);
		expect(res?.headers()['content-security-policy'], path).toContain("frame-ancestors 'none'");
		await page.waitForLoadState('networkidle');
	}
	// Scripts ran: a client-side navigation happens without a full page load.
	await page.goto(`${server.url}/`);
	await page.waitForLoadState('networkidle');
	await page.evaluate(() => ((window as unknown as { marker: number }).marker = 1));
	await page.getByRole('navigation', { name: 'Main' }).first().getByRole('link', { name: 'API keys' }).click();
	await page.waitForURL(`${server.url}/keys`);
	expect(await page.evaluate(() => (window as unknown as { marker?: number }).marker)).toBe(1);
	expect(violations).toEqual([]);
	await context.close();
});
