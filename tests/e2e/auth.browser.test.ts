import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { launchBrowser } from '../harness/browser';
import { freshDatabase, type TestDatabase } from '../harness/database';
import { startServer, type TestServer } from '../harness/server';

let db: TestDatabase;
let server: TestServer;
let browser: Browser;

beforeAll(async () => {
	db = await freshDatabase();
	server = await startServer({ env: { DATABASE_URL: db.url, ELYGATE_ROOT_PASSWORD: 'root-password-1' } });
	browser = await launchBrowser();
});

afterAll(async () => {
	await browser?.close();
	await server?.stop();
	await db?.drop();
});

test('with JavaScript: field errors beside the fields, then register, sign out and sign in', async () => {
	const page = await browser.newPage();
	page.setDefaultTimeout(10_000);
	await page.goto(`${server.url}/register`);
	await page.getByLabel('Username').fill('mia');
	await page.getByLabel('Password', { exact: true }).fill('short');
	await page.getByLabel('Repeat password').fill('short');
	await page.getByRole('button', { name: 'Create account' }).click();
	const password = page.getByLabel('Password', { exact: true });
	await expect.poll(() => password.getAttribute('aria-invalid')).toBe('true');
	const describedBy = await password.getAttribute('aria-describedby');
	expect(await page.locator(`#${describedBy}`).textContent()).toBe('Use at least 8 characters.');
	expect(await db.sql`select 1 from users where username = 'mia'`).toHaveLength(0);

	await password.fill('mia-password-1');
	await page.getByLabel('Repeat password').fill('mia-password-1');
	await page.getByRole('button', { name: 'Create account' }).click();
	await page.waitForURL(`${server.url}/`);
	expect(await page.getByTestId('username').textContent()).toBe('mia');
	expect(await page.getByTestId('balance').textContent()).toContain('$0.00');

	await page.getByRole('button', { name: 'Sign out' }).click();
	await page.waitForURL(`${server.url}/login`);
	await page.getByLabel('Username').fill('mia');
	await page.getByLabel('Password').fill('wrong-password');
	await page.getByRole('button', { name: 'Sign in' }).click();
	await expect.poll(() => page.getByRole('alert').first().textContent()).toContain('Incorrect username or password.');
	await page.getByLabel('Password').fill('mia-password-1');
	await page.getByRole('button', { name: 'Sign in' }).click();
	await page.waitForURL(`${server.url}/`);
	expect(await page.getByTestId('username').textContent()).toBe('mia');
	await page.close();
});

test('without JavaScript the forms still work (progressive enhancement)', async () => {
	const context = await browser.newContext({ javaScriptEnabled: false });
	const page = await context.newPage();
	await page.goto(`${server.url}/admin`);
	expect(new URL(page.url()).pathname).toBe('/login');
	await page.getByLabel('Username').fill('root');
	await page.getByLabel('Password').fill('root-password-1');
	await Promise.all([page.waitForURL(`${server.url}/admin`), page.getByRole('button', { name: 'Sign in' }).click()]);
	expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Administration');
	await context.close();
});
