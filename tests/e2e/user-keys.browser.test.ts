import OpenAI from 'openai';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { formatUsd } from '../../src/lib/money';
import { ApiClient } from '../harness/api-client';
import { launchBrowser } from '../harness/browser';
import { freshDatabase, type TestDatabase } from '../harness/database';
import { eventually } from '../harness/eventually';
import { TEST_SECRET_KEY } from '../harness/fixtures';
import { startMockUpstream, type MockUpstream } from '../harness/mock-upstream';
import { startServer, type TestServer } from '../harness/server';
import { expectAccessible, screenshots, signedIn } from '../harness/ui';

// The end user's API keys: create (with and without JavaScript, by keyboard), the one-time
// reveal, a real call with the key, disable, delete, and someone else's keys out of reach.
const ADMIN_TOKEN = 'user-keys-admin-token-0123456789abcdef';
const START_QUOTA = 10_000_000;

let db: TestDatabase;
let server: TestServer;
let upstream: MockUpstream;
let browser: Browser;
const ids = { alice: 0, bob: 0, bobKey: 0 };
/** The key created by keyboard, used for the real calls. */
let keyboardKey = { id: 0, secret: '' };

beforeAll(async () => {
	db = await freshDatabase();
	upstream = await startMockUpstream();
	server = await startServer({ env: { DATABASE_URL: db.url, ELYGATE_SECRET_KEY: TEST_SECRET_KEY, ELYGATE_ADMIN_TOKEN: ADMIN_TOKEN, ELYGATE_ROOT_PASSWORD: 'root-password-1' } });
	const admin = new ApiClient(server.url, { bearer: ADMIN_TOKEN });
	expect((await admin.post('/api/channels', { type: 'openai', name: 'mock', baseUrl: `${upstream.url}/v1`, models: ['mock-gpt', 'mock-mini'], keys: ['sk-upstream-keys-0001'] })).status).toBe(201);
	for (const model of ['mock-gpt', 'mock-mini']) expect((await admin.post('/api/prices', { model, modelRatio: 1, completionRatio: 2 })).status).toBe(200);
	ids.alice = (await admin.post('/api/users', { username: 'alice', password: 'alice-password-1', quota: START_QUOTA })).body.id;
	ids.bob = (await admin.post('/api/users', { username: 'bob', password: 'bob-password-1', quota: START_QUOTA })).body.id;
	ids.bobKey = (await admin.post('/api/keys', { name: 'bob secret key', userId: ids.bob })).body.apiKey.id;
	browser = await launchBrowser();
});

afterAll(async () => {
	await browser?.close();
	await server?.stop();
	await upstream?.close();
	await db?.drop();
});

const aliceKeys = () => db.sql<Array<{ id: number; name: string; status: string; quota_limit: number | null; allowed_ips: string[]; allowed_models: string[]; rpm_limit: number | null; deleted_at: Date | null }>>`
	select id, name, status, quota_limit::int, allowed_ips, allowed_models, rpm_limit, deleted_at from api_keys where user_id = ${ids.alice} order by id`;

/** The text of the error that the field's aria-describedby points at. */
async function fieldError(page: Page, label: string): Promise<string | null> {
	const field = page.getByLabel(label, { exact: true });
	expect(await field.getAttribute('aria-invalid')).toBe('true');
	const describedBy = await field.getAttribute('aria-describedby');
	return page.locator(`[id="${describedBy}"]`).textContent();
}

/** Presses Tab until the focused element's accessible text matches, as a keyboard user would. */
async function tabTo(page: Page, text: string | RegExp, max = 60): Promise<void> {
	for (let i = 0; i < max; i++) {
		await page.keyboard.press('Tab');
		const focused = await page.evaluate(() => {
			const el = document.activeElement as HTMLElement | null;
			if (!el) return '';
			const label = el.id ? document.querySelector(`label[for="${el.id}"]`)?.textContent : null;
			return (label ?? el.getAttribute('aria-label') ?? el.textContent ?? '').trim();
		});
		if (typeof text === 'string' ? focused === text : text.test(focused)) return;
	}
	throw new Error(`never reached ${text} by Tab`);
}

const client = (apiKey: string) => new OpenAI({ baseURL: `${server.url}/v1`, apiKey, maxRetries: 0, timeout: 15_000 });

test('without JavaScript: bad input is refused beside its field and saves nothing; then a key is created and shown once', async () => {
	const { context, page } = await signedIn(browser, server.url, 'alice', 'alice-password-1', { javaScript: false });
	await page.goto(`${server.url}/keys`);
	expect(await page.getByTestId('keys-empty').isVisible()).toBe(true);

	await page.getByRole('link', { name: 'Create your first key' }).click();
	await page.waitForURL(`${server.url}/keys/new`);
	await eventually(async () => {
		// The channel reaches the state snapshot through NOTIFY: its models then appear.
		await page.reload();
		expect(await page.getByRole('checkbox', { name: 'mock-gpt' }).count()).toBe(1);
	});
	await page.getByLabel('Name', { exact: true }).fill('server box');
	await page.getByLabel('Spending limit (USD, optional)').fill('-5');
	await page.getByLabel('Allowed IP addresses (optional)').fill('203.0.113.7\n10.0.0.0/8');
	await page.getByRole('button', { name: 'Create key' }).click();
	await page.waitForLoadState();
	expect(await fieldError(page, 'Spending limit (USD, optional)')).toBe('The limit cannot be negative.');
	expect(await page.getByLabel('Name', { exact: true }).inputValue()).toBe('server box');
	expect(await aliceKeys()).toHaveLength(0);

	// Valid for the form, refused by the service: the bad CIDR is reported beside the IP list.
	await page.getByLabel('Spending limit (USD, optional)').fill('5');
	await page.getByLabel('Allowed IP addresses (optional)').fill('203.0.113.7\n10.0.0.0/33');
	await page.getByRole('button', { name: 'Create key' }).click();
	await page.waitForLoadState();
	expect(await fieldError(page, 'Allowed IP addresses (optional)')).toMatch(/10\.0\.0\.0\/33/);
	expect(await page.getByLabel('Spending limit (USD, optional)').getAttribute('aria-invalid')).toBeNull();
	expect(await aliceKeys()).toHaveLength(0);

	await page.getByLabel('Allowed IP addresses (optional)').fill('203.0.113.7\n10.0.0.0/8');
	await page.getByRole('checkbox', { name: 'mock-gpt' }).check();
	await page.getByLabel('Requests per minute (optional)').fill('30');
	await page.getByRole('button', { name: 'Create key' }).click();
	await page.waitForLoadState();
	const shown = await page.getByTestId('new-key').inputValue();
	expect(shown).toMatch(/^sk-/);
	const [row] = await aliceKeys();
	expect(row).toMatchObject({ name: 'server box', status: 'active', quota_limit: 2_500_000, allowed_models: ['mock-gpt'], rpm_limit: 30 });
	expect(row!.allowed_ips).toEqual(['203.0.113.7', '10.0.0.0/8']);

	// Shown once: the list has only the prefix.
	await page.getByRole('link', { name: 'Done, back to API keys' }).click();
	await page.waitForURL(`${server.url}/keys`);
	const html = await page.content();
	expect(html).not.toContain(shown);
	expect(await page.getByTestId('key-row').count()).toBe(1);
	await context.close();
});

test('the keyboard alone creates a key and copies it; the key works with the OpenAI SDK and the dashboard shows what it cost', async () => {
	const { context, page } = await signedIn(browser, server.url, 'alice', 'alice-password-1');
	await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: server.url });
	await page.goto(`${server.url}/keys`);
	await tabTo(page, 'Create key');
	await page.keyboard.press('Enter');
	await page.waitForURL(`${server.url}/keys/new`);
	await tabTo(page, 'Name');
	await page.keyboard.type('keyboard key');
	await tabTo(page, 'Create key');
	await page.keyboard.press('Enter');
	const field = page.getByTestId('new-key');
	await field.waitFor();
	const secret = await field.inputValue();
	expect(secret).toMatch(/^sk-/);
	await tabTo(page, 'Copy key');
	await page.keyboard.press('Enter');
	await expect.poll(() => page.getByRole('button', { name: 'Copied' }).count()).toBe(1);
	expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(secret);
	await expectAccessible(page);
	await screenshots(page, 'keys-created');
	const created = (await aliceKeys()).find((k) => k.name === 'keyboard key');
	expect(created).toMatchObject({ status: 'active', quota_limit: null, allowed_models: [], allowed_ips: [], rpm_limit: null });
	keyboardKey = { id: created!.id, secret };

	const answer = await client(secret).chat.completions.create({ model: 'mock-gpt', messages: [{ role: 'user', content: 'Hi' }] });
	expect(answer.choices[0]!.message.content).toBe('Hello from the mock.');
	const [log] = await eventually(async () => {
		const rows = await db.sql<Array<{ cost: number }>>`select cost::int from request_logs where api_key_id = ${created!.id} and status = 200`;
		expect(rows).toHaveLength(1);
		return rows;
	});
	expect(log!.cost).toBeGreaterThan(0);

	// A failed call: every channel fails, nothing is charged, and it is listed on the dashboard.
	upstream.enqueue({ kind: 'error', status: 500, body: { error: { message: 'upstream broke' } } });
	await expect(client(secret).chat.completions.create({ model: 'mock-mini', messages: [{ role: 'user', content: 'Hi' }] })).rejects.toThrow();
	const failed = await eventually(async () => {
		const rows = await db.sql<Array<{ request_id: string }>>`select request_id from request_logs where api_key_id = ${created!.id} and status <> 200`;
		expect(rows).toHaveLength(1);
		return rows[0]!.request_id;
	});

	await page.goto(`${server.url}/`);
	const spend = page.getByTestId('window-spend').first();
	expect(await spend.textContent()).toContain(formatUsd(log!.cost));
	expect(await page.getByTestId('window-requests').first().textContent()).toBe('2');
	// Lowered by exactly the call's cost (the exact quota units are read out beside the USD).
	expect(await page.getByTestId('balance').textContent()).toContain(`${(START_QUOTA - log!.cost).toLocaleString('en-US')} quota units`);
	const failure = page.getByTestId('failures').getByRole('link', { name: 'mock-mini' });
	expect(await failure.getAttribute('href')).toBe(`/logs/${failed}`);
	await expect.poll(() => page.getByTestId('spend-chart').locator('.lc-bars').count()).toBeGreaterThan(0);
	await expectAccessible(page);
	await screenshots(page, 'dashboard-with-data');
	await context.close();
});

test('disabling a key makes /v1 refuse it; editing checks its input; deleting asks first', async () => {
	expect(keyboardKey.id).toBeGreaterThan(0);
	const { context, page } = await signedIn(browser, server.url, 'alice', 'alice-password-1');
	await page.goto(`${server.url}/keys`);
	const row = page.locator(`[data-testid="key-row"][data-key-id="${keyboardKey.id}"]`);
	await row.getByRole('button', { name: 'Disable keyboard key' }).click();
	await expect.poll(() => row.getByTestId('key-status').textContent()).toBe('Disabled');
	expect((await aliceKeys()).find((k) => k.id === keyboardKey.id)?.status).toBe('disabled');
	await expectAccessible(page);
	await screenshots(page, 'keys-list');
	await eventually(async () => {
		const err = await client(keyboardKey.secret)
			.chat.completions.create({ model: 'mock-gpt', messages: [{ role: 'user', content: 'Hi' }] })
			.then(() => null, (e: unknown) => e);
		expect(err).toBeInstanceOf(OpenAI.APIError);
		expect([401, 403]).toContain((err as InstanceType<typeof OpenAI.APIError>).status);
	});

	// Edit: a bad value is refused beside its field and changes nothing; a good one is saved.
	await row.getByRole('link', { name: 'Edit keyboard key' }).click();
	await page.waitForURL(`${server.url}/keys/${keyboardKey.id}`);
	await page.getByLabel('Requests per minute (optional)').fill('0');
	await page.getByLabel('Name', { exact: true }).fill('renamed key');
	await page.getByRole('button', { name: 'Save changes' }).click();
	await expect.poll(() => page.getByLabel('Requests per minute (optional)').getAttribute('aria-invalid')).toBe('true');
	expect(await fieldError(page, 'Requests per minute (optional)')).toBe('Allow at least 1 request per minute, or leave it empty.');
	expect((await aliceKeys()).find((k) => k.id === keyboardKey.id)).toMatchObject({ name: 'keyboard key', rpm_limit: null });
	await page.getByLabel('Requests per minute (optional)').fill('120');
	await page.getByLabel('Spending limit (USD, optional)').fill('1.5');
	await page.getByRole('button', { name: 'Save changes' }).click();
	await expect.poll(() => page.getByRole('status').filter({ hasText: 'Changes saved' }).count()).toBe(1);
	expect((await aliceKeys()).find((k) => k.id === keyboardKey.id)).toMatchObject({ name: 'renamed key', rpm_limit: 120, quota_limit: 750_000 });
	await expectAccessible(page);
	await screenshots(page, 'key-edit');

	// Delete: the first click only asks.
	await page.getByText('Delete key', { exact: true }).click();
	const confirm = page.getByRole('button', { name: 'Yes, delete it' });
	await confirm.waitFor();
	expect(await page.getByText('Programs using it stop working at once').isVisible()).toBe(true);
	expect((await aliceKeys()).find((k) => k.id === keyboardKey.id)?.deleted_at).toBeNull();
	await confirm.click();
	await page.waitForURL(`${server.url}/keys`);
	expect((await aliceKeys()).find((k) => k.id === keyboardKey.id)?.deleted_at).not.toBeNull();
	expect(await page.locator(`[data-key-id="${keyboardKey.id}"]`).count()).toBe(0);
	await context.close();
});

test("someone else's key is out of reach: not listed, 403/404 by URL, and actions on it change nothing", async () => {
	const { context, page } = await signedIn(browser, server.url, 'alice', 'alice-password-1');
	await page.goto(`${server.url}/keys`);
	expect(await page.content()).not.toContain('bob secret key');
	const res = await page.goto(`${server.url}/keys/${ids.bobKey}`);
	expect([403, 404]).toContain(res?.status());
	expect(await page.content()).not.toContain('bob secret key');

	for (const action of ['toggle', 'update', 'delete']) {
		const post = await context.request.post(`${server.url}/keys/${ids.bobKey}?/${action}`, {
			form: { id: String(ids.bobKey), enabled: 'false', name: 'hijacked' },
			headers: { origin: server.url, accept: 'text/html' },
			maxRedirects: 0
		});
		expect([403, 404], `${action}: ${post.status()} ${(await post.text()).slice(0, 300)}`).toContain(post.status());
	}
	const [bobKey] = await db.sql<Array<{ name: string; status: string; deleted_at: Date | null }>>`select name, status, deleted_at from api_keys where id = ${ids.bobKey}`;
	expect(bobKey).toEqual({ name: 'bob secret key', status: 'active', deleted_at: null });
	await context.close();
});
