import OpenAI from 'openai';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { ApiClient } from '../harness/api-client';
import { launchBrowser } from '../harness/browser';
import { freshDatabase, type TestDatabase } from '../harness/database';
import { eventually } from '../harness/eventually';
import { startMockUpstream, type MockUpstream } from '../harness/mock-upstream';
import { startServer, type TestServer } from '../harness/server';
import { expectAccessible, screenshots, signedIn } from '../harness/ui';

// The first thing a new user does, start to finish, in a real browser.
const ADMIN_TOKEN = 'journey-admin-token-0123456789abcdef';
const SIGNUP_QUOTA = 5_000_000;

let db: TestDatabase;
let server: TestServer;
let mock: MockUpstream;
let browser: Browser;

beforeAll(async () => {
	db = await freshDatabase();
	mock = await startMockUpstream();
	server = await startServer({ env: { DATABASE_URL: db.url, ELYGATE_ROOT_PASSWORD: 'root-password-1', ELYGATE_ADMIN_TOKEN: ADMIN_TOKEN } });
	const admin = new ApiClient(server.url, { bearer: ADMIN_TOKEN });
	expect((await admin.patch('/api/options', { 'billing.signup_quota': SIGNUP_QUOTA })).status).toBe(200);
	expect((await admin.post('/api/channels', { type: 'openai', name: 'mock', baseUrl: `${mock.url}/v1`, models: ['journey-model'], keys: ['sk-upstream-journey'] })).status).toBe(201);
	expect((await admin.post('/api/prices', { model: 'journey-model', modelRatio: 1.5, completionRatio: 4 })).status).toBe(200);
	browser = await launchBrowser();
});

afterAll(async () => {
	await browser?.close();
	await server?.stop();
	await mock?.close();
	await db?.drop();
});

test('register, create a key, copy it, call the API with the openai package, see the call in the logs and the balance lowered by exactly its cost', async () => {
	const context = await browser.newContext();
	await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: server.url });
	const page = await context.newPage();
	page.setDefaultTimeout(10_000);

	await page.goto(`${server.url}/register`);
	await page.getByLabel('Username').fill('newcomer');
	await page.getByLabel('Password', { exact: true }).fill('newcomer-password-1');
	await page.getByLabel('Repeat password').fill('newcomer-password-1');
	await page.getByRole('button', { name: 'Create account' }).click();
	await page.waitForURL(`${server.url}/`);
	expect(await page.getByTestId('balance').textContent()).toContain(`${SIGNUP_QUOTA.toLocaleString('en-US')} quota units`);

	await page.goto(`${server.url}/keys/new`);
	await page.getByLabel('Name', { exact: true }).fill('my laptop');
	await page.getByRole('button', { name: 'Create key' }).click();
	await page.getByTestId('new-key').waitFor();
	await page.getByRole('button', { name: 'Copy key' }).click();
	await expect.poll(() => page.getByRole('button', { name: 'Copied' }).count()).toBe(1);
	const key = await page.evaluate(() => navigator.clipboard.readText());
	expect(key).toMatch(/^sk-/);

	const { data: completion, response } = await new OpenAI({ baseURL: `${server.url}/v1`, apiKey: key, maxRetries: 0 })
		.chat.completions.create({ model: 'journey-model', messages: [{ role: 'user', content: 'Hello from my first program' }] })
		.withResponse();
	expect(completion.choices[0]!.message.content).toBe('Hello from the mock.');
	const requestId = response.headers.get('x-request-id')!;
	const row = await eventually(async () => {
		const [r] = await db.sql`select cost::int8 as cost from request_logs where request_id = ${requestId}`;
		expect(r).toBeDefined();
		return r!;
	});
	const cost = Number(row.cost);
	// 11 prompt + 4 completion × 4, × 1.5 = 40.5, rounded: 41 quota.
	expect(cost).toBe(41);

	await page.goto(`${server.url}/logs`);
	const logs = page.getByTestId('logs-table');
	expect(await logs.getByText('journey-model').count()).toBeGreaterThan(0);
	await expectAccessible(page);
	await screenshots(page, 'journey-logs');

	await page.goto(`${server.url}/`);
	await eventually(async () => {
		await page.reload();
		expect(await page.getByTestId('balance').textContent()).toContain(`${(SIGNUP_QUOTA - cost).toLocaleString('en-US')} quota units`);
	});
	const [user] = await db.sql`select quota::int8 as quota from users where username = 'newcomer'`;
	expect(Number(user!.quota)).toBe(SIGNUP_QUOTA - cost);
	await screenshots(page, 'journey-dashboard');
	await context.close();
});

test('an admin creates a channel, tests it and generates codes; a user redeems one, the balance rises, and the same code again is "already used"', async () => {
	const rootSession = await signedIn(browser, server.url, 'root', 'root-password-1');
	const admin = rootSession.page;
	await admin.goto(`${server.url}/admin/channels/new`);
	await admin.getByLabel('Name', { exact: true }).fill('Second mock');
	await admin.getByLabel('Base URL').fill(`${mock.url}/v1`);
	await admin.getByLabel('API keys').fill('sk-upstream-second-0001');
	await admin.getByLabel('Models', { exact: true }).fill('second-model');
	await admin.getByRole('button', { name: 'Create channel' }).click();
	await admin.waitForURL((url) => url.pathname === '/admin/channels' || /\/admin\/channels\/\d+$/.test(url.pathname));
	await admin.goto(`${server.url}/admin/channels`);
	await admin.getByRole('button', { name: 'Test Second mock' }).click();
	await expect.poll(() => admin.getByTestId('test-results').textContent()).toMatch(/answered in [\d,]+ ms/);
	expect(mock.requests.at(-1)!.headers.authorization).toBe('Bearer sk-upstream-second-0001');

	await admin.goto(`${server.url}/admin/redemptions`);
	await admin.getByLabel('Batch name', { exact: true }).fill('welcome');
	await admin.getByLabel('Amount per code (USD)').fill('3');
	await admin.getByLabel('Number of codes').fill('2');
	await admin.getByRole('button', { name: 'Generate' }).click();
	const shown = admin.getByTestId('new-codes');
	await expect.poll(() => shown.count()).toBe(1);
	const [code] = (await shown.getByLabel('Generated codes').inputValue()).split('\n');
	expect(code).toMatch(/^egc-/);
	await rootSession.context.close();

	const userSession = await signedIn(browser, server.url, 'newcomer', 'newcomer-password-1');
	const page = userSession.page;
	const [before] = await db.sql`select quota::int8 as quota from users where username = 'newcomer'`;
	await page.goto(`${server.url}/topup`);
	await page.getByLabel('Redemption code').fill(code!);
	await page.getByRole('button', { name: 'Redeem' }).click();
	await page.getByTestId('redeem-success').waitFor();
	const [after] = await db.sql`select quota::int8 as quota from users where username = 'newcomer'`;
	expect(Number(after!.quota)).toBe(Number(before!.quota) + 1_500_000);
	expect(await page.getByTestId('current-balance').textContent()).toContain(`${(Number(before!.quota) + 1_500_000).toLocaleString('en-US')} quota units`);

	await page.getByLabel('Redemption code').fill(code!);
	await page.getByRole('button', { name: 'Redeem' }).click();
	await expect.poll(() => page.getByText('This code has already been redeemed.').count()).toBeGreaterThan(0);
	const [again] = await db.sql`select quota::int8 as quota from users where username = 'newcomer'`;
	expect(Number(again!.quota)).toBe(Number(after!.quota));
	await screenshots(page, 'journey-topup');
	await userSession.context.close();
});
