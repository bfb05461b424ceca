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

// The admin console's money and control pages: groups & prices, redemption codes, logs,
// settings, management tokens and the audit log.
const ADMIN_TOKEN = 'admin-settings-token-0123456789abcdef';
const ROOT = ['root', 'root-password-1'] as const;

let db: TestDatabase;
let server: TestServer;
let mock: MockUpstream;
let browser: Browser;
let api: ApiClient;

beforeAll(async () => {
	db = await freshDatabase();
	mock = await startMockUpstream();
	server = await startServer({ env: { DATABASE_URL: db.url, ELYGATE_ROOT_PASSWORD: ROOT[1], ELYGATE_ADMIN_TOKEN: ADMIN_TOKEN } });
	api = new ApiClient(server.url, { bearer: ADMIN_TOKEN });
	expect((await api.post('/api/users', { username: 'plain', password: 'plain-password-1', quota: 5_000_000 })).status).toBe(201);
	expect((await api.post('/api/users', { username: 'helper', password: 'helper-password-1', role: 'admin' })).status).toBe(201);
	browser = await launchBrowser();
});

afterAll(async () => {
	await browser?.close();
	await server?.stop();
	await mock?.close();
	await db?.drop();
});

/** The error text a field points at through aria-describedby, once it is marked invalid. */
async function fieldError(page: Page, label: string): Promise<string | null> {
	const field = page.getByLabel(label, { exact: true });
	await expect.poll(() => field.getAttribute('aria-invalid')).toBe('true');
	const id = await field.getAttribute('aria-describedby');
	return page.locator(`[id="${id}"]`).textContent();
}

const pricesSnapshot = () => db.sql`select model, model_ratio, completion_ratio, cache_read_ratio, source, updated_at from model_prices order by model`;

test('a price typed as ratios shows its USD per million live, is refused with a bad name, then saved', async () => {
	const { context, page } = await signedIn(browser, server.url, ...ROOT);
	await page.goto(`${server.url}/admin/prices`);
	const before = await pricesSnapshot();

	await page.getByLabel('Model', { exact: true }).fill('ui model');
	await page.getByLabel('Model ratio', { exact: true }).fill('1.5');
	await page.getByLabel('Completion ratio', { exact: true }).fill('4');
	await page.getByLabel('Cache-read ratio (optional)').fill('0.1');
	// The preview follows the typing, before anything is sent.
	await expect.poll(() => page.getByTestId('preview-input').textContent()).toBe('$3.00');
	expect(await page.getByTestId('preview-output').textContent()).toBe('$12.00');
	expect(await page.getByTestId('preview-cached').textContent()).toBe('$0.30');

	await page.getByRole('button', { name: 'Save price' }).click();
	expect(await fieldError(page, 'Model')).toBe('Model names cannot contain spaces.');
	expect(await pricesSnapshot()).toEqual(before);

	await page.getByLabel('Model', { exact: true }).fill('ui-model');
	await page.getByRole('button', { name: 'Save price' }).click();
	await expect.poll(() => page.getByRole('status').first().textContent()).toContain('Saved the price of ui-model.');
	const [row] = await db.sql`select model_ratio, completion_ratio, cache_read_ratio from model_prices where model = 'ui-model'`;
	expect(row).toEqual({ model_ratio: 1.5, completion_ratio: 4, cache_read_ratio: 0.1 });

	// The audit log names the change and the model.
	await page.goto(`${server.url}/admin/tokens?target=model_price`);
	const audit = page.getByTestId('audit-table');
	await expect.poll(() => audit.textContent()).toContain('price.create');
	expect(await audit.textContent()).toContain('ui-model');
	expect(await audit.textContent()).toContain('modelRatio: 1.5');
	await context.close();
});

test('a price entered in USD per million is saved as ratios', async () => {
	const { context, page } = await signedIn(browser, server.url, ...ROOT);
	await page.goto(`${server.url}/admin/prices`);
	await page.getByLabel('Model', { exact: true }).fill('usd-model');
	await page.getByLabel('USD per million tokens').check();
	await page.getByLabel('Input, USD per million', { exact: true }).fill('2.5');
	await page.getByLabel('Output, USD per million (optional)').fill('10');
	await expect.poll(() => page.getByTestId('preview-model-ratio').textContent()).toBe('1.25');
	await page.getByRole('button', { name: 'Save price' }).click();
	await expect.poll(async () => (await db.sql`select model_ratio, completion_ratio from model_prices where model = 'usd-model'`)[0]).toEqual({
		model_ratio: 1.25,
		completion_ratio: 4
	});
	// Editing shows the saved row, priced per million in the preview.
	await page.goto(`${server.url}/admin/prices?edit=usd-model`);
	expect(await page.getByLabel('Model ratio', { exact: true }).inputValue()).toBe('1.25');
	expect(await page.getByTestId('preview-output').textContent()).toBe('$10.00');
	await expectAccessible(page);
	await screenshots(page, 'admin-prices');
	await context.close();
});

test('a malformed New-API import names the bad entry and changes nothing; a good one reports what it did', async () => {
	const { context, page } = await signedIn(browser, server.url, ...ROOT);
	await page.goto(`${server.url}/admin/prices#import`);
	const before = await pricesSnapshot();
	const groupsBefore = await db.sql`select name, ratio from groups order by name`;

	await page.getByLabel('Ratio JSON').fill('{"ModelRatio": {"fine-model": 1, "gpt-4o": "abc"}, "GroupRatio": {"vip": 0.8}}');
	await page.getByRole('button', { name: 'Import' }).click();
	const error = page.getByTestId('import-error');
	await expect.poll(() => error.textContent()).toContain('ModelRatio.gpt-4o');
	expect(await error.textContent()).toContain('expected a non-negative number');
	expect(await page.getByLabel('Ratio JSON').getAttribute('aria-invalid')).toBe('true');
	expect(await pricesSnapshot()).toEqual(before);
	expect(await db.sql`select name, ratio from groups order by name`).toEqual(groupsBefore);

	await page.getByLabel('Ratio JSON').fill('{"ModelRatio": {"imported-model": 0.5}, "CompletionRatio": {"imported-model": 3}, "GroupRatio": {"vip": 0.8}}');
	await page.getByRole('button', { name: 'Import' }).click();
	await expect.poll(() => page.getByRole('status').first().textContent()).toBe('Imported 1 model prices and 1 group ratios.');
	expect(await db.sql`select model_ratio, completion_ratio from model_prices where model = 'imported-model'`).toEqual([{ model_ratio: 0.5, completion_ratio: 3 }]);
	expect(await db.sql`select ratio from groups where name = 'vip'`).toEqual([{ ratio: 0.8 }]);
	await context.close();
});

test('groups: the keyboard alone adds one; a bad ratio is refused beside the field', async () => {
	const { context, page } = await signedIn(browser, server.url, ...ROOT);
	await page.goto(`${server.url}/admin/prices`);
	await page.getByLabel('Name', { exact: true }).focus();
	await page.keyboard.type('my team');
	await page.keyboard.press('Tab');
	await page.keyboard.press('Control+A');
	await page.keyboard.type('0.9');
	await page.keyboard.press('Enter');
	expect(await fieldError(page, 'Name')).toBe('Use letters, digits, dots, dashes and underscores.');
	expect(await db.sql`select 1 from groups where name like '%team'`).toHaveLength(0);

	await page.getByLabel('Name', { exact: true }).focus();
	await page.keyboard.press('Control+A');
	await page.keyboard.type('team');
	await page.keyboard.press('Enter');
	await expect.poll(async () => (await db.sql`select ratio from groups where name = 'team'`)[0]).toEqual({ ratio: 0.9 });
	await context.close();
});

test('codes are shown once after generating, one is redeemed over the API, another disabled', async () => {
	const root = await signedIn(browser, server.url, ...ROOT);
	const page = root.page;
	await page.goto(`${server.url}/admin/redemptions`);
	await page.getByLabel('Batch name', { exact: true }).fill('spring');
	await page.getByLabel('Amount per code (USD)').fill('0');
	await page.getByLabel('Number of codes').fill('3');
	await page.getByRole('button', { name: 'Generate' }).click();
	expect(await fieldError(page, 'Amount per code (USD)')).toBe('The amount must be more than zero.');
	expect(await db.sql`select 1 from redemption_codes`).toHaveLength(0);

	await page.getByLabel('Amount per code (USD)').fill('2.5');
	await page.getByRole('button', { name: 'Generate' }).click();
	const shown = page.getByTestId('new-codes');
	await expect.poll(() => shown.count()).toBe(1);
	const codes = (await shown.getByLabel('Generated codes').inputValue()).split('\n');
	expect(codes).toHaveLength(3);
	const csv = decodeURIComponent((await shown.getByRole('link', { name: 'Download CSV' }).getAttribute('href'))!.split(',').slice(1).join(','));
	expect(csv.trim().split(/\r?\n/)).toEqual(['code', ...codes]);
	const stored = await db.sql`select quota, status from redemption_codes where name = 'spring'`;
	expect(stored).toHaveLength(3);
	expect(stored.map((r) => [Number(r.quota), r.status])).toEqual(Array(3).fill([1_250_000, 'unused']));
	expect(JSON.stringify(await db.sql`select * from redemption_codes`)).not.toContain(codes[0]);
	await expectAccessible(page);
	await screenshots(page, 'admin-redemptions-generated');

	// Shown once: a fresh load has the list, not the codes.
	await page.goto(`${server.url}/admin/redemptions`);
	expect(await page.getByTestId('new-codes').count()).toBe(0);
	expect(await page.content()).not.toContain(codes[0]);

	const user = await signedIn(browser, server.url, 'plain', 'plain-password-1');
	const balanceBefore = (await db.sql`select quota from users where username = 'plain'`)[0]?.quota;
	const redeemed = await user.page.request.post(`${server.url}/api/redeem`, { data: { code: codes[0] }, headers: { origin: server.url } });
	expect(redeemed.status()).toBe(200);
	const balanceAfter = (await db.sql`select quota from users where username = 'plain'`)[0]?.quota;
	expect(Number(balanceAfter) - Number(balanceBefore)).toBe(1_250_000);
	await user.context.close();

	// Filters, then disable one of the unused codes (asked first).
	await page.goto(`${server.url}/admin/redemptions?status=used`);
	const table = page.getByTestId('codes-table');
	expect(await table.locator('tbody tr').count()).toBe(1);
	expect(await table.textContent()).toContain('plain');
	await page.goto(`${server.url}/admin/redemptions?status=unused&name=spr`);
	expect(await table.locator('tbody tr').count()).toBe(2);
	const row = table.locator('tbody tr').first();
	await row.locator('summary', { hasText: 'Disable' }).click();
	await row.locator('form').getByRole('button', { name: 'Disable' }).click();
	await expect.poll(async () => (await db.sql`select count(*)::int as n from redemption_codes where status = 'disabled'`)[0]?.n).toBe(1);
	await expect.poll(() => page.getByRole('status').first().textContent()).toContain('Disabled the code');

	// The CSV export works with the session and never holds the codes.
	const exported = await page.request.get(`${server.url}${await page.getByRole('link', { name: 'Export CSV' }).getAttribute('href')}`);
	expect(exported.status()).toBe(200);
	const text = await exported.text();
	expect(text.split('\n')[0]).toContain('prefix');
	expect(text).not.toContain(codes[1]);
	await root.context.close();
});

test('logs: filters, CSV export with the same filters, and the detail of a call', async () => {
	const channel = await api.post('/api/channels', { type: 'openai', name: 'mock channel', baseUrl: mock.url, models: ['gpt-4o-mini'], keys: ['sk-upstream-logs-0001'] });
	expect(channel.status).toBe(201);
	const plainId = (await db.sql`select id from users where username = 'plain'`)[0]?.id as number;
	const key = await api.post('/api/keys', { name: 'logs key', userId: plainId });
	expect(key.status).toBe(201);
	const client = new OpenAI({ baseURL: `${server.url}/v1`, apiKey: key.body.key, maxRetries: 0 });
	await client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hello' }] });
	mock.enqueue({ kind: 'error', status: 500, body: { error: { message: 'upstream broke' } } });
	await expect(client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'again' }] })).rejects.toThrow();
	const logged = await eventually(async () => {
		const rows = await db.sql`select request_id, status from request_logs order by request_id`;
		expect(rows).toHaveLength(2);
		return rows;
	});
	const ok = logged.find((r) => r.status === 200)!.request_id as string;
	const failed = logged.find((r) => r.status !== 200)!.request_id as string;

	const { context, page } = await signedIn(browser, server.url, ...ROOT);
	await page.goto(`${server.url}/admin/logs`);
	const table = page.getByTestId('logs-table');
	expect(await table.locator('tbody tr').count()).toBe(2);
	expect(await table.textContent()).toContain('mock channel');
	await expectAccessible(page);
	await screenshots(page, 'admin-logs');

	await page.getByLabel('Status').selectOption('error');
	await page.getByLabel('User (name or id)').fill('plain');
	await page.getByRole('button', { name: 'Filter' }).click();
	await page.waitForURL((url) => url.searchParams.get('status') === 'error');
	expect(await table.locator('tbody tr').count()).toBe(1);
	const csvHref = (await page.getByTestId('logs-csv').getAttribute('href'))!;
	expect(csvHref).toContain('status=error');
	expect(csvHref).toContain(`userId=${plainId}`);
	const csv = await (await page.request.get(`${server.url}${csvHref}`)).text();
	expect(csv).toContain(failed);
	expect(csv).not.toContain(ok);

	// A time range in the future, a model nobody called, and an unknown user match nothing.
	await page.goto(`${server.url}/admin/logs?from=2099-01-01T00:00`);
	expect(await table.textContent()).toContain('No call matches these filters.');
	await page.goto(`${server.url}/admin/logs?model=nope`);
	expect(await table.textContent()).toContain('No call matches these filters.');
	await page.goto(`${server.url}/admin/logs?user=nobody`);
	expect(await fieldError(page, 'User (name or id)')).toContain('There is no user');

	await page.goto(`${server.url}/admin/logs?status=ok`);
	await table.locator('tbody tr a').first().click();
	await page.waitForURL(`${server.url}/admin/logs/${ok}`);
	const detail = page.getByTestId('log-detail');
	expect(await detail.textContent()).toContain('mock channel');
	expect(await detail.textContent()).toContain('gpt-4o-mini');
	expect(await detail.textContent()).toContain('plain');
	await expectAccessible(page);
	await screenshots(page, 'admin-log-detail');
	await context.close();
});

test('settings without JavaScript: a bad value is refused beside its field and nothing is saved; a good one is', async () => {
	const withJs = await signedIn(browser, server.url, ...ROOT);
	await withJs.page.goto(`${server.url}/admin/settings`);
	await expectAccessible(withJs.page);
	await screenshots(withJs.page, 'admin-settings');
	await withJs.context.close();

	const { context, page } = await signedIn(browser, server.url, ...ROOT, { javaScript: false });
	await page.goto(`${server.url}/admin/settings`);
	await page.getByLabel('Retries on other channels').fill('99');
	await page.getByLabel('Site name').fill('Acme AI');
	await page.getByRole('button', { name: 'Save settings' }).click();
	await page.waitForLoadState();
	expect(await fieldError(page, 'Retries on other channels')).toContain('10');
	expect(await db.sql`select key from options where key like 'relay.%' or key like 'site.%'`).toHaveLength(0);

	await page.getByLabel('Retries on other channels').fill('5');
	await page.getByLabel('Starting balance of new users (USD)').fill('1.5');
	await page.getByLabel('CORS origins for /v1').fill('https://app.example.com\nhttps://b.example.com');
	await page.getByRole('button', { name: 'Save settings' }).click();
	await page.waitForLoadState();
	expect(await page.getByRole('status').first().textContent()).toContain('Saved 4 settings');
	const saved = Object.fromEntries((await db.sql`select key, value from options where key like 'relay.%' or key like 'site.%' or key like 'billing.%' or key like 'registration.%'`).map((r) => [r.key, r.value]));
	expect(saved).toEqual({
		'relay.retry_count': 5,
		'site.name': 'Acme AI',
		'billing.signup_quota': 750_000,
		'relay.cors_origins': ['https://app.example.com', 'https://b.example.com']
	});
	await context.close();
});

test('a non-root admin reads settings but cannot change them, and cannot open tokens & audit', async () => {
	const { context, page } = await signedIn(browser, server.url, 'helper', 'helper-password-1');
	await page.goto(`${server.url}/admin/settings`);
	expect(await page.getByTestId('root-only').count()).toBe(1);
	expect(await page.getByLabel('Retries on other channels').isDisabled()).toBe(true);
	const optionsBefore = await db.sql`select key, value, updated_at from options order by key`;
	// A hand-made post is refused by the service's own rule.
	const posted = await page.request.post(`${server.url}/admin/settings`, {
		form: { siteName: 'Hijacked', retryCount: '0', signupUsd: '0', connectTimeoutMs: '10000' },
		headers: { origin: server.url, accept: 'text/html' }
	});
	expect(posted.status()).toBe(403);
	expect(await posted.text()).toContain('Only root may do this.');
	expect(await db.sql`select key, value, updated_at from options order by key`).toEqual(optionsBefore);
	const tokens = await page.goto(`${server.url}/admin/tokens`);
	expect(tokens?.status()).toBe(403);
	await context.close();

	const user = await signedIn(browser, server.url, 'plain', 'plain-password-1');
	for (const path of ['/admin/prices', '/admin/redemptions', '/admin/logs', '/admin/settings']) {
		expect((await user.page.goto(`${server.url}${path}`))?.status(), path).toBe(403);
	}
	await user.context.close();
});

test('a management token is shown once, works on /api/me, and stops working when revoked', async () => {
	const { context, page } = await signedIn(browser, server.url, ...ROOT);
	await page.goto(`${server.url}/admin/tokens`);
	await page.getByLabel('Name', { exact: true }).fill('x'.repeat(101));
	await page.getByRole('button', { name: 'Create token' }).click();
	expect(await fieldError(page, 'Name')).toBe('Names are at most 100 characters.');
	expect(await db.sql`select 1 from management_tokens`).toHaveLength(0);

	await page.getByLabel('Name', { exact: true }).fill('ci');
	await page.getByLabel('Scope').selectOption('admin');
	await page.getByRole('button', { name: 'Create token' }).click();
	const secretField = page.getByTestId('token-secret');
	await expect.poll(() => secretField.count()).toBe(1);
	const secret = await secretField.inputValue();
	const me = await new ApiClient(server.url, { bearer: secret }).get('/api/me');
	expect(me.status).toBe(200);
	expect(me.body).toMatchObject({ kind: 'token', scope: 'admin' });
	await expectAccessible(page);
	await screenshots(page, 'admin-tokens');

	await page.goto(`${server.url}/admin/tokens`);
	expect(await page.content()).not.toContain(secret);
	const row = page.getByTestId('tokens-table').locator('tbody tr', { hasText: 'ci' });
	await row.locator('summary', { hasText: 'Revoke' }).click();
	await row.locator('form').getByRole('button', { name: 'Revoke' }).click();
	await expect.poll(async () => (await new ApiClient(server.url, { bearer: secret }).get('/api/me')).status).toBe(401);
	await expect.poll(() => page.getByTestId('tokens-table').textContent()).toContain('No management tokens');
	// The audit log records both, and can be narrowed to what root did.
	await page.goto(`${server.url}/admin/tokens?target=management_token&actor=root`);
	const audit = await page.getByTestId('audit-table').textContent();
	expect(audit).toContain('token.create');
	expect(audit).toContain('token.revoke');
	expect(audit).not.toContain(secret);
	await context.close();
});
