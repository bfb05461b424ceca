import { Database } from 'bun:sqlite';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { ApiClient } from '../harness/api-client';
import { launchBrowser } from '../harness/browser';
import { freshDatabase, type TestDatabase } from '../harness/database';
import { startServer, type TestServer } from '../harness/server';
import { expectAccessible, screenshots, signedIn } from '../harness/ui';

// Settings → Import from New-API: preview, import, preview again, refusals, and who may open it.
const ADMIN_TOKEN = 'admin-import-token-0123456789abcdef';
const ROOT = ['root', 'root-password-1'] as const;
const PAGE = '/admin/settings/import';

let db: TestDatabase;
let server: TestServer;
let browser: Browser;
let fixtureDir: string;
let sourceUrl: string;

/**
 * A small New-API database on SQLite, with New-API's (GORM's) table and column names: a root and
 * two users, their keys, one OpenAI channel and one Midjourney channel (a type Elygate has no
 * counterpart for), a key whose owner is gone, prices, a code, logs and a top-up.
 */
async function newApiSqlite(file: string): Promise<void> {
	const sqlite = new Database(file, { create: true });
	const now = Math.floor(Date.now() / 1000);
	const hash = await Bun.password.hash('newapi-password-1', { algorithm: 'bcrypt', cost: 4 });
	sqlite.run(`create table users (id integer primary key, username text unique, password text not null, display_name text, role integer default 1,
		status integer default 1, email text, github_id text, wechat_id text, telegram_id text, access_token text, quota integer default 0,
		used_quota integer default 0, request_count integer default 0, "group" text default 'default', aff_code text, aff_count integer default 0,
		aff_quota integer default 0, aff_history integer default 0, inviter_id integer default 0, deleted_at datetime, linux_do_id text, setting text,
		remark text, stripe_customer text, created_at integer, last_login_at integer default 0)`);
	sqlite.run(`create table tokens (id integer primary key, user_id integer, key text unique, status integer default 1, name text,
		created_time integer, accessed_time integer, expired_time integer default -1, remain_quota integer default 0, unlimited_quota numeric,
		model_limits_enabled numeric, model_limits text, allow_ips text default '', used_quota integer default 0, "group" text default '', deleted_at datetime)`);
	sqlite.run(`create table channels (id integer primary key, type integer default 0, key text not null, openai_organization text, test_model text,
		status integer default 1, name text, weight integer default 0, created_time integer, test_time integer, response_time integer, base_url text default '',
		other text, balance real, balance_updated_time integer, models text, "group" text default 'default', used_quota integer default 0,
		model_mapping text, status_code_mapping text default '', priority integer default 0, auto_ban integer default 1, other_info text, tag text,
		setting text, param_override text, header_override text, remark text, channel_info text, settings text)`);
	sqlite.run(`create table abilities ("group" text, model text, channel_id integer, enabled numeric, priority integer default 0, weight integer default 0,
		tag text, primary key ("group", model, channel_id))`);
	sqlite.run('create table options (key text primary key, value text)');
	sqlite.run(`create table redemptions (id integer primary key, user_id integer, key text unique, status integer default 1, name text,
		quota integer default 100, created_time integer, redeemed_time integer, used_user_id integer, deleted_at datetime, expired_time integer)`);
	sqlite.run(`create table logs (id integer primary key, user_id integer, created_at integer, type integer, content text, username text default '',
		token_name text default '', model_name text default '', quota integer default 0, prompt_tokens integer default 0,
		completion_tokens integer default 0, use_time integer default 0, is_stream numeric, channel_id integer, channel_name text,
		token_id integer default 0, "group" text, ip text default '', other text)`);
	sqlite.run(`create table top_ups (id integer primary key, user_id integer, amount integer, money real, trade_no text unique,
		payment_method text, create_time integer, complete_time integer, status text)`);

	const user = sqlite.prepare(`insert into users (id, username, password, display_name, role, status, email, quota, used_quota, "group", aff_code, created_at)
		values (?, ?, ?, ?, ?, 1, ?, ?, ?, ?, ?, ?)`);
	user.run(1, 'root', hash, 'Root User', 100, '', 0, 0, 'default', 'aff1', now - 86_400 * 30);
	user.run(2, 'alice', hash, 'Alice', 1, 'alice@example.com', 5_000_000, 250_000, 'vip', 'aff2', now - 86_400 * 20);
	user.run(3, 'bob', hash, 'Bob', 1, '', 1_000_000, 0, 'default', 'aff3', now - 86_400 * 10);

	const token = sqlite.prepare(`insert into tokens (id, user_id, key, status, name, created_time, accessed_time, expired_time, remain_quota,
		unlimited_quota, model_limits_enabled, model_limits, used_quota) values (?, ?, ?, 1, ?, ?, ?, -1, ?, ?, 0, '', 0)`);
	token.run(1, 2, 'a'.repeat(48), 'alice laptop', now - 86_400, now, 0, 1);
	token.run(2, 3, 'b'.repeat(48), 'bob ci', now - 86_400, now, 500_000, 0);
	token.run(3, 99, 'c'.repeat(48), 'orphan-key', now - 86_400, now, 0, 1);

	const channel = sqlite.prepare(`insert into channels (id, type, key, status, name, weight, created_time, base_url, models, "group", priority,
		model_mapping, auto_ban) values (?, ?, ?, 1, ?, 0, ?, ?, ?, 'default,vip', 0, ?, 1)`);
	channel.run(1, 1, 'sk-upstream-import-0001\nsk-upstream-import-0002', 'openai main', now - 86_400, 'https://api.openai.com', 'gpt-4o-mini,gpt-4o', '');
	channel.run(2, 2, 'mj-secret-0001', 'mj-proxy', now - 86_400, 'https://mj.example.com', 'midjourney', '');
	const ability = sqlite.prepare('insert into abilities ("group", model, channel_id, enabled, priority, weight) values (?, ?, ?, 1, 0, 0)');
	for (const group of ['default', 'vip']) for (const model of ['gpt-4o-mini', 'gpt-4o']) ability.run(group, model, 1);

	const option = sqlite.prepare('insert into options (key, value) values (?, ?)');
	option.run('ModelRatio', JSON.stringify({ 'gpt-4o-mini': 0.075, 'gpt-4o': 1.25 }));
	option.run('CompletionRatio', JSON.stringify({ 'gpt-4o-mini': 4, 'gpt-4o': 4 }));
	option.run('GroupRatio', JSON.stringify({ default: 1, vip: 0.8 }));

	sqlite.run(`insert into redemptions (id, user_id, key, status, name, quota, created_time, redeemed_time, used_user_id, expired_time)
		values (1, 1, '0123456789abcdef0123456789abcdef', 1, 'welcome', 500000, ${now - 3600}, 0, 0, 0)`);
	const log = sqlite.prepare(`insert into logs (id, user_id, created_at, type, content, username, token_name, model_name, quota, prompt_tokens,
		completion_tokens, use_time, is_stream, channel_id, channel_name, token_id, "group") values (?, 2, ?, 2, '', 'alice', 'alice laptop', 'gpt-4o-mini', ?, ?, ?, 1, 0, 1, 'openai main', 1, 'vip')`);
	log.run(1, now - 7200, 1200, 1000, 200);
	log.run(2, now - 3600, 2400, 2000, 400);
	sqlite.run(`insert into top_ups (id, user_id, amount, money, trade_no, payment_method, create_time, complete_time, status)
		values (1, 2, 10, 10, 'trade-0001', 'stripe', ${now - 86_400 * 5}, ${now - 86_400 * 5}, 'success')`);
	sqlite.close();
}

beforeAll(async () => {
	fixtureDir = mkdtempSync(join(tmpdir(), 'elygate-newapi-'));
	const file = join(fixtureDir, 'one-api.db');
	await newApiSqlite(file);
	sourceUrl = `sqlite://${file}`;
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
	if (fixtureDir) rmSync(fixtureDir, { recursive: true, force: true });
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
	await page.getByRole('button', { name: 'Preview' }).click();

	const report = page.getByTestId('import-report');
	await expect.poll(() => report.getByRole('heading', { name: 'Preview' }).count()).toBe(1);
	expect(await page.getByRole('status').first().textContent()).toContain('nothing has been changed yet');
	expect(await cell(page, 'import-source')).toContain('one-api.db');
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
	expect(await page.getByRole('alert').first().textContent()).toMatch(/\S/);
	expect(await page.getByTestId('import-report').count()).toBe(0);
	expect(await usersSnapshot()).toEqual(before);
	await expectAccessible(page);
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
