import OpenAI from 'openai';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { ApiClient } from '../harness/api-client';
import { launchBrowser } from '../harness/browser';
import { freshDatabase, type TestDatabase } from '../harness/database';
import { eventually } from '../harness/eventually';
import { startMockUpstream, type MockUpstream } from '../harness/mock-upstream';
import { startServer, type TestServer } from '../harness/server';
import { expectAccessible, screenshots, signedIn } from '../harness/ui';

// The admin console's Overview, Channels and Users pages, driven in a real browser.
const ADMIN_TOKEN = 'uc-admin-token-0123456789abcdef-xyz';
const ROOT_PASSWORD = 'root-password-1';
const SECRET = 'sk-upstream-very-secret-4f1e9a7c2b';
const COPY_SECRET = 'sk-copy-secret-77aa88bb99cc';

let db: TestDatabase;
let server: TestServer;
let browser: Browser;
let mock: MockUpstream;
let api: ApiClient;
let aliceId: number;

beforeAll(async () => {
	db = await freshDatabase();
	mock = await startMockUpstream();
	server = await startServer({ env: { DATABASE_URL: db.url, ELYGATE_ROOT_PASSWORD: ROOT_PASSWORD, ELYGATE_ADMIN_TOKEN: ADMIN_TOKEN } });
	api = new ApiClient(server.url, { bearer: ADMIN_TOKEN });
	const alice = await api.post('/api/users', { username: 'alice', email: 'alice@example.com', password: 'alice-password-1', quota: 5_000_000 });
	expect(alice.status).toBe(201);
	aliceId = alice.body.id;
	expect((await api.post('/api/users', { username: 'bob', password: 'bob-password-1' })).status).toBe(201);
	expect((await api.post('/api/users', { username: 'ada', password: 'ada-password-1', role: 'admin' })).status).toBe(201);
	expect((await api.post('/api/groups', { name: 'vip', ratio: 0.5 })).status).toBeLessThan(300);
	expect((await api.post('/api/prices', { model: 'mock-gpt', modelRatio: 1, completionRatio: 2 })).status).toBe(200);
	browser = await launchBrowser();
}, 120_000);

afterAll(async () => {
	await browser?.close();
	await server?.stop();
	await mock?.close();
	await db?.drop();
});

const channelCount = async () => Number((await db.sql`select count(*)::int as n from channels where deleted_at is null`)[0]!.n);

/** The error text shown for a field, found through its aria-describedby. */
async function fieldError(page: Page, field: ReturnType<Page['getByLabel']>): Promise<string> {
	await expect.poll(() => field.getAttribute('aria-invalid')).toBe('true');
	const errorIds = async () => ((await field.getAttribute('aria-describedby')) ?? '').split(' ').filter((id) => id.endsWith('-error'));
	await expect.poll(errorIds).toHaveLength(1);
	const ids = await errorIds();
	return (await page.locator(`[id="${ids[0]}"]`).textContent()) ?? '';
}

test('the overview renders with no traffic', async () => {
	const { context, page } = await signedIn(browser, server.url, 'root', ROOT_PASSWORD);
	await page.goto(`${server.url}/admin`);
	expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Administration');
	expect(await page.getByTestId('total-requests').textContent()).toBe('0');
	expect(await page.getByText('No calls in this period yet.').count()).toBe(2);
	expect(await page.getByText('Nobody has made a call in this period.').count()).toBe(1);
	expect(await page.getByText('PostgreSQL').count()).toBeGreaterThan(0);
	await expectAccessible(page);
	await screenshots(page, 'admin-overview-empty');
	await context.close();
});

test('an openai channel: errors beside the fields save nothing; then create, test, disable, enable, duplicate', async () => {
	const { context, page } = await signedIn(browser, server.url, 'root', ROOT_PASSWORD);
	await page.goto(`${server.url}/admin/channels`);
	expect(await page.getByText('No channels yet.').count()).toBe(1);
	await page.getByRole('link', { name: 'Add the first channel' }).click();
	await page.waitForURL(/\/admin\/channels\/new/);
	// The openai type's own schema: one checkbox.
	expect(await page.getByLabel('Responses API').getAttribute('type')).toBe('checkbox');

	await page.getByLabel('Name', { exact: true }).fill('Mock OpenAI');
	await page.getByLabel('Base URL').fill(`${mock.url}/v1`);
	await page.getByLabel('API keys').fill(SECRET);
	await page.getByLabel('Models', { exact: true }).fill('mock-gpt\nmock-embed');
	await page.getByLabel('Model mapping (JSON)').fill('{"mock-gpt": ');
	await page.getByLabel('Connect timeout (ms)').fill('5');
	await page.getByRole('button', { name: 'Create channel' }).click();
	expect(await fieldError(page, page.getByLabel('Model mapping (JSON)'))).toContain('Not valid JSON');
	expect(await channelCount()).toBe(0);

	await page.getByLabel('Model mapping (JSON)').fill('{"mock-gpt": "mock-gpt-2025"}');
	await page.getByLabel('API keys').fill(SECRET); // typed keys are not sent back after an error
	await page.getByRole('button', { name: 'Create channel' }).click();
	expect(await fieldError(page, page.getByLabel('Connect timeout (ms)'))).toContain('at least 100 ms');
	expect(await channelCount()).toBe(0);
	expect(await page.content()).not.toContain(SECRET);

	await page.getByLabel('Connect timeout (ms)').fill('');
	await page.getByLabel('API keys').fill(SECRET);
	await page.getByRole('button', { name: 'Create channel' }).click();
	await page.waitForURL(/\/admin\/channels\?saved=/);
	const [row] = await db.sql`select id, type, model_mapping, models from channels where name = 'Mock OpenAI'`;
	expect(row).toMatchObject({ type: 'openai', model_mapping: { 'mock-gpt': 'mock-gpt-2025' }, models: ['mock-gpt', 'mock-embed'] });
	const id = Number(row!.id);
	expect(await page.content()).not.toContain(SECRET);

	// Test: the mock answers, the latency shows.
	mock.reset();
	await page.getByRole('button', { name: 'Test Mock OpenAI' }).click();
	await expect.poll(() => page.getByTestId('test-results').textContent()).toMatch(/answered in [\d,]+ ms/);
	expect(mock.requests.at(-1)?.headers.authorization).toBe(`Bearer ${SECRET}`);
	expect(await page.getByTestId('latency').count()).toBe(1);
	expect((await db.sql`select last_test_ok from channels where id = ${id}`)[0]!.last_test_ok).toBe(true);

	// The row's less frequent actions are in its "More" menu.
	await page.getByLabel('More actions for Mock OpenAI', { exact: true }).click();
	await page.getByRole('button', { name: 'Disable Mock OpenAI' }).click();
	await expect.poll(async () => (await db.sql`select status, disable_kind from channels where id = ${id}`)[0]).toMatchObject({ status: 'disabled', disable_kind: 'manual' });
	await expect.poll(() => page.getByTestId('channel-row').first().textContent()).toContain('By hand');
	await page.getByRole('button', { name: 'Enable Mock OpenAI' }).click();
	await expect.poll(async () => (await db.sql`select status from channels where id = ${id}`)[0]!.status).toBe('enabled');
	await expectAccessible(page);
	await screenshots(page, 'admin-channels-list');

	// The edit page shows the key masked only, and saving the masked key keeps it.
	await page.goto(`${server.url}/admin/channels/${id}`);
	expect(await page.content()).not.toContain(SECRET);
	const masked = await page.getByLabel('API keys').inputValue();
	expect(masked).toContain('…');
	await page.getByLabel('Priority').fill('5');
	await page.getByRole('button', { name: 'Save changes' }).click();
	await page.waitForURL(/\/admin\/channels\?saved=/);
	expect((await db.sql`select priority from channels where id = ${id}`)[0]!.priority).toBe(5);
	expect(await db.sql`select 1 from channel_keys where channel_id = ${id}`).toHaveLength(1);
	await page.goto(`${server.url}/admin/channels/${id}`);
	await expectAccessible(page);
	await screenshots(page, 'admin-channel-edit');

	// Duplicate: settings copied, keys not.
	await page.goto(`${server.url}/admin/channels`);
	await page.getByLabel('More actions for Mock OpenAI', { exact: true }).click();
	await page.getByRole('link', { name: 'Duplicate Mock OpenAI' }).click();
	await page.waitForURL(/from=/);
	expect(await page.getByLabel('Name', { exact: true }).inputValue()).toBe('Mock OpenAI (copy)');
	expect(await page.getByLabel('API keys').inputValue()).toBe('');
	expect(await page.getByLabel('Model mapping (JSON)').inputValue()).toContain('mock-gpt-2025');
	await page.getByLabel('API keys').fill(COPY_SECRET);
	await page.getByRole('button', { name: 'Create channel' }).click();
	await page.waitForURL(/\/admin\/channels\?saved=/);
	const [copy] = await db.sql`select id, priority, model_mapping from channels where name = 'Mock OpenAI (copy)'`;
	expect(copy).toMatchObject({ priority: 5, model_mapping: { 'mock-gpt': 'mock-gpt-2025' } });
	expect(await db.sql`select 1 from channel_keys where channel_id = ${copy!.id}`).toHaveLength(1);

	// Delete the copy, after confirming.
	const copyRow = page.locator('[data-channel="Mock OpenAI (copy)"]');
	await copyRow.getByLabel('More actions for Mock OpenAI (copy)').click();
	await copyRow.getByText('Delete', { exact: true }).click();
	await copyRow.getByRole('button', { name: 'Delete channel' }).click();
	await expect.poll(async () => (await db.sql`select deleted_at from channels where id = ${copy!.id}`)[0]!.deleted_at).not.toBeNull();
	await context.close();
});

test('an anthropic channel through its schema-rendered form, and test all', async () => {
	const { context, page } = await signedIn(browser, server.url, 'root', ROOT_PASSWORD);
	await page.goto(`${server.url}/admin/channels/new`);
	await page.getByLabel('Channel type', { exact: true }).selectOption('anthropic');
	await page.waitForURL(/type=anthropic/);
	const version = page.getByLabel('Anthropic version');
	await expect.poll(() => version.evaluate((el) => el.tagName)).toBe('SELECT');
	expect(await version.locator('option').allTextContents()).toEqual(['2023-06-01 (default)', '2026-10-21']);
	expect(await page.getByLabel('Auth header').evaluate((el) => el.tagName)).toBe('SELECT');
	expect(await page.getByLabel('Betas').evaluate((el) => el.tagName)).toBe('TEXTAREA');
	expect(await page.getByLabel('Responses API').count()).toBe(0);

	await page.getByLabel('Name', { exact: true }).fill('Claude');
	// A closed local port: "Test all" then fails at once, never waiting on a network this machine may not have.
	await page.getByLabel('Base URL').fill('http://127.0.0.1:9/v1');
	await page.getByLabel('API keys').fill('sk-ant-secret-0011223344');
	await page.getByLabel('Models', { exact: true }).fill('claude-sonnet-4-5');
	await version.selectOption('2026-10-21');
	await page.getByLabel('Betas').fill('context-1m-2025-08-07');
	await expectAccessible(page);
	await screenshots(page, 'admin-channel-new-anthropic');
	await page.getByRole('button', { name: 'Create channel' }).click();
	await page.waitForURL(/\/admin\/channels\?saved=/);
	const [row] = await db.sql`select type, config from channels where name = 'Claude'`;
	expect(row).toMatchObject({ type: 'anthropic', config: { anthropicVersion: '2026-10-21', betas: ['context-1m-2025-08-07'] } });

	await page.getByRole('button', { name: 'Test all' }).click();
	await expect.poll(() => page.getByTestId('test-results').locator('li').count(), { timeout: 30_000 }).toBe(2);
	expect(await page.getByTestId('test-results').textContent()).toContain('Mock OpenAI: OK answered in');
	await context.close();
});

test('a gemini channel without JavaScript: a bad config value is shown beside its field and nothing is saved', async () => {
	const { context, page } = await signedIn(browser, server.url, 'root', ROOT_PASSWORD, { javaScript: false });
	await page.goto(`${server.url}/admin/channels/new`);
	await page.getByLabel('Channel type', { exact: true }).selectOption('gemini');
	await page.getByRole('button', { name: 'Change type' }).click();
	await page.waitForURL(/type=gemini/);
	expect(await page.getByLabel('API version').locator('option').allTextContents()).toEqual(['v1beta (default)', 'v1']);
	const before = await channelCount();
	await page.getByLabel('Name', { exact: true }).fill('Gemini');
	await page.getByLabel('Base URL').fill('https://generativelanguage.googleapis.com');
	await page.getByLabel('API keys').fill('AIza-secret-gemini-key-000');
	await page.getByLabel('Models', { exact: true }).fill('gemini-2.5-flash');
	await page.getByLabel('Vertex').fill('{"project": "Not A Project!", "location": "us-central1"}');
	await page.getByRole('button', { name: 'Create channel' }).click();
	await page.waitForLoadState();
	expect(await fieldError(page, page.getByLabel('Vertex'))).not.toBe('');
	expect(await channelCount()).toBe(before);
	expect(await page.getByLabel('Name', { exact: true }).inputValue()).toBe('Gemini');

	await page.getByLabel('Vertex').fill('');
	await page.getByLabel('API version').selectOption('v1');
	await page.getByLabel('API keys').fill('AIza-secret-gemini-key-000');
	await page.getByRole('button', { name: 'Create channel' }).click();
	await page.waitForURL(/\/admin\/channels\?saved=/);
	const [row] = await db.sql`select type, config from channels where name = 'Gemini'`;
	expect(row).toMatchObject({ type: 'gemini', config: { apiVersion: 'v1' } });
	expect(await page.content()).not.toContain('AIza-secret-gemini-key-000');
	await context.close();
});

test("a deepseek channel left without a base URL is saved with DeepSeek's", async () => {
	const { context, page } = await signedIn(browser, server.url, 'root', ROOT_PASSWORD);
	await page.goto(`${server.url}/admin/channels/new?type=deepseek`);
	const baseUrl = page.getByLabel('Base URL');
	expect(await baseUrl.getAttribute('placeholder')).toBe('https://api.deepseek.com');
	expect(await baseUrl.getAttribute('required')).toBeNull();
	await page.getByLabel('Name', { exact: true }).fill('DeepSeek');
	await page.getByLabel('API keys').fill('sk-deepseek-secret-0011');
	await page.getByLabel('Models', { exact: true }).fill('deepseek-chat');
	await page.getByRole('button', { name: 'Create channel' }).click();
	await page.waitForURL(/\/admin\/channels\?saved=/);
	const [row] = await db.sql`select type, base_url from channels where name = 'DeepSeek'`;
	expect(row).toMatchObject({ type: 'deepseek', base_url: expect.stringMatching(/^https:\/\/api\.deepseek\.com(\/v1)?$/) });
	await context.close();
});

test('a user gets 403 on the admin pages', async () => {
	const { context, page } = await signedIn(browser, server.url, 'bob', 'bob-password-1');
	for (const path of ['/admin', '/admin/channels', '/admin/channels/new', '/admin/users', `/admin/users/${aliceId}`]) {
		expect((await page.goto(`${server.url}${path}`))?.status(), path).toBe(403);
	}
	await context.close();
});

test('the overview shows calls made through the gateway', async () => {
	const key = (await api.post('/api/keys', { name: 'overview', userId: aliceId })).body.key as string;
	const client = new OpenAI({ apiKey: key, baseURL: `${server.url}/v1`, maxRetries: 0 });
	for (let i = 0; i < 3; i++) {
		const answer = await client.chat.completions.create({ model: 'mock-gpt', messages: [{ role: 'user', content: `hello ${i}` }] });
		expect(answer.choices[0]?.message.content).toBe('Hello from the mock.');
	}
	await eventually(async () => expect((await db.sql`select coalesce(sum(requests), 0)::int as n from usage_daily`)[0]!.n).toBe(3));

	const { context, page } = await signedIn(browser, server.url, 'root', ROOT_PASSWORD);
	await page.goto(`${server.url}/admin?days=30`);
	expect(await page.getByTestId('total-requests').textContent()).toBe('3');
	expect(await page.getByRole('link', { name: '30 days' }).getAttribute('aria-current')).toBe('page');
	const byModel = page.getByRole('region', { name: 'By model' });
	expect(await byModel.getByRole('row', { name: /mock-gpt/ }).textContent()).toContain('3');
	expect(await page.getByRole('region', { name: 'By channel' }).getByRole('row', { name: /Mock OpenAI/ }).count()).toBe(1);
	expect(await page.getByRole('region', { name: 'Top users by spend' }).getByRole('link', { name: 'alice' }).count()).toBe(1);
	expect(await page.getByTestId('queue-depth').textContent()).toMatch(/^\d+$/);
	expect(await page.getByTestId('in-flight').textContent()).toBe('0');
	await expect.poll(() => byModel.locator('svg rect').count()).toBeGreaterThan(0);
	await expectAccessible(page);
	await screenshots(page, 'admin-overview-data');
	await page.getByRole('link', { name: 'Spend' }).click();
	await page.waitForURL(/metric=spend/);
	await screenshots(page, 'admin-overview-spend');
	await context.close();
});

test('users: search, change the group, adjust the balance with a reason (keyboard only)', async () => {
	const { context, page } = await signedIn(browser, server.url, 'root', ROOT_PASSWORD);
	await page.goto(`${server.url}/admin/users`);
	await page.getByLabel('Search users').fill('ALI');
	await page.getByRole('button', { name: 'Search' }).click();
	await page.waitForURL(/q=ALI/);
	expect(await page.getByTestId('user-row').count()).toBe(1);
	expect(await page.getByTestId('user-row').getAttribute('data-user')).toBe('alice');
	expect(await page.getByRole('link', { name: 'Logs of alice' }).getAttribute('href')).toBe('/admin/logs?user=alice');
	await expectAccessible(page);
	await screenshots(page, 'admin-users-list');

	await page.getByRole('link', { name: 'Manage alice' }).click();
	await page.waitForURL(`${server.url}/admin/users/${aliceId}`);
	await page.getByLabel('Group', { exact: true }).selectOption('vip');
	await page.getByRole('button', { name: 'Save' }).click();
	await expect.poll(async () => (await db.sql`select "group" from users where id = ${aliceId}`)[0]!.group).toBe('vip');

	// A reason is required: nothing changes without one.
	const changes = async () => (await db.sql`select delta::int as delta, note, reason from balance_changes where user_id = ${aliceId} and reason = 'admin'`).map((r) => ({ ...r }));
	await page.getByLabel('Amount (USD)').fill('5');
	await page.getByRole('button', { name: 'Adjust balance' }).click();
	expect(await fieldError(page, page.getByLabel('Reason'))).toBe('Say why the balance changes.');
	expect(await changes()).toEqual([]);

	// The keyboard alone.
	await page.getByLabel('Amount (USD)').focus();
	await page.keyboard.press('Control+A');
	await page.keyboard.type('2.5');
	await page.keyboard.press('Tab');
	await page.keyboard.type('Goodwill credit');
	await page.keyboard.press('Enter');
	await expect.poll(changes).toEqual([{ delta: 1_250_000, note: 'Goodwill credit', reason: 'admin' }]);
	await expect.poll(() => page.getByRole('status').first().textContent()).toContain('Balance credited');
	await expectAccessible(page);
	await screenshots(page, 'admin-user-detail');
	await context.close();
});

test('an admin cannot promote a user to admin', async () => {
	const { context, page } = await signedIn(browser, server.url, 'ada', 'ada-password-1');
	await page.goto(`${server.url}/admin/users/${aliceId}`);
	await page.getByLabel('Role', { exact: true }).selectOption('admin');
	await page.getByRole('button', { name: 'Save' }).click();
	await expect.poll(() => page.getByRole('alert').first().textContent()).toContain('Only root may do this.');
	expect((await db.sql`select role from users where id = ${aliceId}`)[0]!.role).toBe('user');
	await context.close();
});
