import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { ApiClient } from '../harness/api-client';
import { launchBrowser } from '../harness/browser';
import { freshDatabase, type TestDatabase } from '../harness/database';
import { createNewApiDatabase, newApiToken, newApiUser, type NewApiTestDb } from '../harness/newapi-db';
import { startServer, type TestServer } from '../harness/server';
import { expectAccessible, screenshots, signedIn } from '../harness/ui';

// Settings → Import from New-API: preview, import, preview again, refusals, and who may open it.
const ADMIN_TOKEN = 'admin-import-token-0123456789abcdef';
const ROOT = ['root', 'root-password-1'] as const;
const PAGE = '/admin/settings/import';

let db: TestDatabase;
let server: TestServer;
let browser: Browser;
let source: NewApiTestDb;
let sourceUrl: string;

/**
 * A small New-API database on SQLite: a root and two users with their keys, a key whose owner
 * is gone, an OpenAI channel and a Midjourney one (a type Elygate does not serve), prices, a
 * code, two consumption logs and a top-up.
 */
async function seed(src: NewApiTestDb): Promise<void> {
	const now = Math.floor(Date.now() / 1000);
	await src.insert('users', [
		newApiUser({ id: 1, username: 'root', role: 100 }),
		newApiUser({ id: 2, username: 'alice', quota: 5_000_000, used_quota: 250_000, group: 'vip', email: 'alice@example.com' }),
		newApiUser({ id: 3, username: 'bob', quota: 1_000_000 })
	]);
	await src.insert('tokens', [
		newApiToken({ id: 1, user_id: 2, name: 'alice laptop' }),
		newApiToken({ id: 2, user_id: 3, name: 'bob ci', unlimited_quota: false, remain_quota: 500_000 }),
		newApiToken({ id: 3, user_id: 99, name: 'orphan-key' })
	]);
	const channel = (id: number, type: number, name: string, baseUrl: string, models: string, key: string) => ({
		id, type, key, status: 1, name, weight: 0, created_time: now - 86_400, base_url: baseUrl, other: '', models, group: 'default,vip',
		model_mapping: '', priority: 0, auto_ban: 1, other_info: ''
	});
	await src.insert('channels', [
		channel(1, 1, 'openai main', 'https://api.openai.com', 'gpt-4o-mini,gpt-4o', 'sk-upstream-import-0001\nsk-upstream-import-0002'),
		channel(2, 2, 'mj-proxy', 'https://mj.example.com', 'midjourney', 'mj-secret-0001')
	]);
	await src.insert(
		'abilities',
		['default', 'vip'].flatMap((group) => ['gpt-4o-mini', 'gpt-4o'].map((model) => ({ group, model, channel_id: 1, enabled: true, priority: 0, weight: 0 })))
	);
	await src.insert('options', [
		{ key: 'ModelRatio', value: JSON.stringify({ 'gpt-4o-mini': 0.075, 'gpt-4o': 1.25 }) },
		{ key: 'CompletionRatio', value: JSON.stringify({ 'gpt-4o-mini': 4, 'gpt-4o': 4 }) },
		{ key: 'GroupRatio', value: JSON.stringify({ default: 1, vip: 0.8 }) }
	]);
	await src.insert('redemptions', [
		{ id: 1, user_id: 1, key: '0123456789abcdef0123456789abcdef', status: 1, name: 'welcome', quota: 500_000, created_time: now - 3600, redeemed_time: 0, used_user_id: 0, deleted_at: null, expired_time: 0 }
	]);
	const log = (id: number, ago: number, quota: number) => ({
		id, user_id: 2, created_at: now - ago, type: 2, content: '', username: 'alice', token_name: 'alice laptop', model_name: 'gpt-4o-mini', quota,
		prompt_tokens: 1000, completion_tokens: 200, use_time: 1, is_stream: false, channel_id: 1, token_id: 1, group: 'vip', ip: '', other: ''
	});
	await src.insert('logs', [log(1, 7200, 1200), log(2, 3600, 2400)]);
	await src.insert('top_ups', [
		{ id: 1, user_id: 2, amount: 10, money: 10, trade_no: 'trade-0001', payment_method: 'stripe', create_time: now - 86_400 * 5, complete_time: now - 86_400 * 5, status: 'success' }
	]);
}

beforeAll(async () => {
	source = await createNewApiDatabase('sqlite');
	await seed(source);
	sourceUrl = source.url;
	db = await freshDatabase();
	server = await startServer({ env: { DATABASE_URL: db.url, ELYGATE_ROOT_PASSWORD: ROOT[1], ELYGATE_ADMIN_TOKEN: ADMIN_TOKEN } });
	const api = new ApiClient(server.url, { bearer: ADMIN_TOKEN });
	expect((await api.post('/api/users', { username: 'helper', password: 'helper-password-1', role: 'admin' })).status).toBe(201);
	browser = await launchBrowser();
});

afterAll(async () => {
	await browser?.close();
	await server?.stop();
	await db?.drop();
	await source?.drop();
});

/** The error text a field points at through aria-describedby, once it is marked invalid. */
async function fieldError(page: Page, label: string): Promise<string | null> {
	const field = page.getByLabel(label, { exact: true });
	await expect.poll(() => field.getAttribute('aria-invalid')).toBe('true');
	const id = await field.getAttribute('aria-describedby');
	return page.locator(`[id="${id}"]`).textContent();
}

const cell = (page: Page, id: string) => page.getByTestId(id).textContent();
const usersSnapshot = () => db.sql`select username, role, quota from users order by id`;

test('root finds the page from settings; a connection string that is not one is refused beside the field', async () => {
	const { context, page } = await signedIn(browser, server.url, ...ROOT);
	await page.goto(`${server.url}/admin/settings`);
	await page.getByTestId('newapi-import-link').click();
	await page.waitForURL(`${server.url}${PAGE}`);
	await expectAccessible(page);

	const before = await usersSnapshot();
	await page.getByLabel('New-API database').fill('http://example.com/one-api.db');
	await page.getByRole('button', { name: 'Preview' }).click();
	expect(await fieldError(page, 'New-API database')).toBe('Use mysql://…, postgres://… or sqlite:///path/to/one-api.db.');
	await page.getByLabel('New-API database').fill('   ');
	await page.getByRole('button', { name: 'Preview' }).click();
	await expect.poll(() => page.getByText("Enter New-API's database connection string.").count()).toBe(1);
	expect(await page.getByTestId('import-report').count()).toBe(0);
	expect(await usersSnapshot()).toEqual(before);
	await context.close();
});

test('preview shows what would come over, import brings it, a second preview finds it already imported', async () => {
	const { context, page } = await signedIn(browser, server.url, ...ROOT);
	await page.goto(`${server.url}${PAGE}`);
	const before = await usersSnapshot();
	await page.getByLabel('New-API database').fill(sourceUrl);
	await page.getByLabel('Also import consumption logs').check();
	// This gateway already has an account besides root (helper), so the import asks for a merge.
	await page.getByRole('button', { name: 'Preview' }).click();
	await expect.poll(() => page.getByRole('alert').first().textContent()).toContain('besides root');
	await page.getByLabel('Merge into this gateway').check();
	await page.getByRole('button', { name: 'Preview' }).click();

	const report = page.getByTestId('import-report');
	await expect.poll(() => report.getByRole('heading', { name: 'Preview' }).count()).toBe(1);
	expect(await page.getByRole('status').first().textContent()).toContain('nothing has been changed yet');
	expect(await cell(page, 'import-source')).toContain(sourceUrl.split('/').at(-1));
	expect(Number(await cell(page, 'count-users-new'))).toBeGreaterThanOrEqual(2);
	expect(Number(await cell(page, 'count-channels-new'))).toBe(1);
	expect(Number(await cell(page, 'count-apiKeys-new'))).toBeGreaterThanOrEqual(2);
	expect(Number(await cell(page, 'count-logs-new'))).toBe(2);
	expect(Number(await cell(page, 'count-users-already'))).toBe(0);
	// The Midjourney channel (no Elygate type) and the key whose owner is gone cannot come over.
	expect(await page.getByTestId('import-skipped').textContent()).toMatch(/mj-proxy|orphan-key/);
	expect(await page.getByTestId('import-history').textContent()).toContain('1 top-up');
	expect(await usersSnapshot()).toEqual(before);
	await expectAccessible(page);
	await screenshots(page, 'admin-import-preview');
	// At a phone's width the page does not scroll sideways; the tables scroll inside their region.
	await page.setViewportSize({ width: 390, height: 844 });
	expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
	await page.setViewportSize({ width: 1280, height: 860 });

	// Importing without confirming answers the preview again and changes nothing.
	await page.getByRole('button', { name: 'Import' }).click();
	expect(await fieldError(page, 'I have read the preview')).toBe('Tick this box to import.');
	expect(await usersSnapshot()).toEqual(before);

	await page.getByLabel('I have read the preview').check();
	await page.getByRole('button', { name: 'Import' }).click();
	await expect.poll(() => report.getByRole('heading', { name: 'Import done' }).count()).toBe(1);
	expect(await page.getByRole('status').first().textContent()).toContain('Imported from');
	const imported = Number(await cell(page, 'count-users-new'));
	const usernames = (await db.sql`select username from users`).map((r) => r.username);
	expect(usernames).toEqual(expect.arrayContaining(['root', 'alice', 'bob']));
	expect(await db.sql`select name from channels`).toEqual([{ name: 'openai main' }]);

	// The browser kept the connection string: a second preview reads the same database.
	await page.getByRole('button', { name: 'Preview' }).click();
	await expect.poll(() => report.getByRole('heading', { name: 'Preview' }).count()).toBe(1);
	expect(Number(await cell(page, 'count-users-already'))).toBe(imported);
	expect(Number(await cell(page, 'count-users-new'))).toBe(0);
	expect(Number(await cell(page, 'count-channels-already'))).toBe(1);
	await context.close();
});

test('without JavaScript: the password never comes back; a refused source shows the message and changes nothing', async () => {
	const { context, page } = await signedIn(browser, server.url, ...ROOT, { javaScript: false });
	await page.goto(`${server.url}${PAGE}`);
	const before = await usersSnapshot();
	// Nothing listens on port 1, so nothing is imported; whatever the answer, it holds no password.
	await page.getByLabel('New-API database').fill('postgres://newapi:s3cret-pw-4242@127.0.0.1:1/newapi');
	await page.getByRole('button', { name: 'Preview' }).click();
	await page.waitForLoadState();
	expect(await page.content()).not.toContain('s3cret-pw-4242');
	expect(await page.getByLabel('New-API database').inputValue()).toBe('');

	await page.getByLabel('New-API database').fill('sqlite:///nonexistent.db');
	await page.getByRole('button', { name: 'Preview' }).click();
	await page.waitForLoadState();
	expect(await fieldError(page, 'New-API database')).toMatch(/\S/);
	expect(await page.getByTestId('import-report').count()).toBe(0);
	expect(await usersSnapshot()).toEqual(before);
	await context.close();
});

test('an administrator who is not root gets 403, for the page and for its actions', async () => {
	const { context, page } = await signedIn(browser, server.url, 'helper', 'helper-password-1');
	await page.goto(`${server.url}/admin/settings`);
	expect(await page.getByTestId('newapi-import-link').count()).toBe(0);
	expect((await page.goto(`${server.url}${PAGE}`))?.status()).toBe(403);
	const before = await usersSnapshot();
	for (const action of ['preview', 'import']) {
		const posted = await page.request.post(`${server.url}${PAGE}?/${action}`, {
			form: { from: sourceUrl, confirmed: 'on' },
			headers: { origin: server.url, accept: 'text/html' }
		});
		expect(posted.status(), action).toBe(403);
	}
	expect(await usersSnapshot()).toEqual(before);
	await context.close();
});
