import OpenAI from 'openai';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { formatUsd } from '../../src/lib/money';
import { ApiClient } from '../harness/api-client';
import { launchBrowser } from '../harness/browser';
import { freshDatabase, type TestDatabase } from '../harness/database';
import { eventually } from '../harness/eventually';
import { startMockUpstream, type MockUpstream } from '../harness/mock-upstream';
import { startServer, type TestServer } from '../harness/server';
import { expectAccessible, screenshots, signedIn } from '../harness/ui';

// The end user's own activity: top-up, usage logs and their cost, account, playground.
const ADMIN_TOKEN = 'user-activity-admin-token-0123456789';
const MODEL = 'gpt-4o-mini';

let db: TestDatabase;
let mock: MockUpstream;
let server: TestServer;
let browser: Browser;
let api: ApiClient;
let alice: { id: number };
const keys: Record<string, { id: number; key: string }> = {};
let bobRequestId: string;
/** Changed by the account test; later tests sign in with the current one. */
let alicePassword = 'alice-password-1';

async function makeKey(name: string, userId: number) {
	const res = await api.post('/api/keys', { name, userId });
	expect(res.status).toBe(201);
	return { id: res.body.apiKey.id as number, key: res.body.key as string };
}

function client(key: string) {
	return new OpenAI({ baseURL: `${server.url}/v1`, apiKey: key, maxRetries: 0 });
}

async function logRows(userId: number) {
	return db.sql<{ request_id: string; cost: string; status: number; api_key_id: number; stream: boolean }[]>`
		select request_id, cost, status, api_key_id, stream from request_logs where user_id = ${userId} order by request_id desc`;
}

async function quotaOf(userId: number): Promise<number> {
	const [row] = await db.sql<{ quota: string }[]>`select quota from users where id = ${userId}`;
	return Number(row!.quota);
}

/** The error text shown beside a field (its aria-describedby), once it is marked invalid. */
async function fieldError(page: Page, label: string): Promise<string | null> {
	const field = page.getByLabel(label, { exact: true });
	await expect.poll(() => field.getAttribute('aria-invalid')).toBe('true');
	const id = await field.getAttribute('aria-describedby');
	return page.locator(`#${id}`).textContent();
}

beforeAll(async () => {
	db = await freshDatabase();
	mock = await startMockUpstream();
	server = await startServer({
		env: { DATABASE_URL: db.url, ELYGATE_ROOT_PASSWORD: 'root-password-1', ELYGATE_ADMIN_TOKEN: ADMIN_TOKEN, REDEEM_MAX_FAILURES: '6' }
	});
	api = new ApiClient(server.url, { bearer: ADMIN_TOKEN });
	expect((await api.post('/api/channels', { type: 'openai', name: 'mock', baseUrl: mock.url, models: [MODEL], keys: ['sk-upstream-activity-0001'] })).status).toBe(201);
	expect((await api.post('/api/prices', { model: MODEL, modelRatio: 2.5, completionRatio: 4 })).status).toBe(200);
	const a = await api.post('/api/users', { username: 'alice', password: 'alice-password-1', quota: 5_000_000 });
	const b = await api.post('/api/users', { username: 'bob', password: 'bob-password-1', quota: 5_000_000 });
	expect([a.status, b.status]).toEqual([201, 201]);
	alice = { id: a.body.id };
	keys.main = await makeKey('main', a.body.id);
	keys.spare = await makeKey('spare', a.body.id);
	keys.bob = await makeKey('bobs', b.body.id);
	await client(keys.bob.key).chat.completions.create({ model: MODEL, messages: [{ role: 'user', content: 'bob here' }] });
	bobRequestId = await eventually(async () => {
		const [row] = await logRows(b.body.id);
		expect(row).toBeDefined();
		return row!.request_id;
	});
	browser = await launchBrowser();
});

afterAll(async () => {
	await browser?.close();
	await server?.stop();
	await mock?.close();
	await db?.drop();
});

test('redeeming codes without JavaScript: the credit, then used, unknown, expired, disabled and rate-limited codes', async () => {
	const made = await api.post('/api/redemptions', { name: 'activity', amountUsd: 2.5, count: 3 });
	expect(made.status).toBe(201);
	const [good, toExpire, toDisable] = made.body.codes as Array<{ id: number; code: string }>;
	await db.sql`update redemption_codes set expires_at = now() - interval '1 minute' where id = ${toExpire!.id}`;
	expect((await api.post(`/api/redemptions/${toDisable!.id}/disable`)).status).toBe(200);

	const { context, page } = await signedIn(browser, server.url, 'alice', 'alice-password-1', { javaScript: false });
	await page.goto(`${server.url}/topup`);
	const before = await quotaOf(alice.id);

	// Nothing typed: the error is beside the field and nothing changes.
	await page.getByRole('button', { name: 'Redeem' }).click();
	expect(await fieldError(page, 'Redemption code')).toBe('Enter a code.');
	expect(await quotaOf(alice.id)).toBe(before);

	await page.getByLabel('Redemption code').fill(`  ${good!.code.toUpperCase()} `);
	await page.getByRole('button', { name: 'Redeem' }).click();
	await page.getByTestId('redeem-success').waitFor();
	expect(await quotaOf(alice.id)).toBe(before + 1_250_000);
	expect(await page.getByTestId('redeem-success').textContent()).toContain(`Your balance is now ${formatUsd(before + 1_250_000)}`);
	expect(await page.getByTestId('current-balance').textContent()).toContain(formatUsd(before + 1_250_000));
	// The balance history shows the credit and the balance after it.
	const firstRow = page.getByTestId('balance-history').locator('tbody tr').first();
	expect(await firstRow.textContent()).toContain('Redeemed code');
	expect(await firstRow.textContent()).toMatch(/\+(plus )?\$2\.50/);
	expect(await firstRow.textContent()).toContain(formatUsd(before + 1_250_000));

	const attempts: Array<[string, string]> = [
		[good!.code, 'This code has already been redeemed.'],
		['not-a-real-code', 'There is no such code. Check it and try again.'],
		[toExpire!.code, 'This code has expired.'],
		[toDisable!.code, 'This code has been disabled.']
	];
	for (const [code, expected] of attempts) {
		await page.getByLabel('Redemption code').fill(code);
		await page.getByRole('button', { name: 'Redeem' }).click();
		await page.waitForLoadState();
		expect(await fieldError(page, 'Redemption code')).toBe(expected);
	}
	expect(await quotaOf(alice.id)).toBe(before + 1_250_000);
	// Past the limit of failed attempts the form says so, whatever the code.
	for (const code of ['wrong-one', 'wrong-two']) {
		await page.getByLabel('Redemption code').fill(code);
		await page.getByRole('button', { name: 'Redeem' }).click();
		await page.waitForLoadState();
	}
	await page.getByLabel('Redemption code').fill('wrong-three');
	await page.getByRole('button', { name: 'Redeem' }).click();
	await expect.poll(() => page.getByRole('alert').first().textContent()).toMatch(/Too many failed attempts\. Try again in \d+ minutes?\./);
	await context.close();

	// The page with JavaScript: the same history, checked for accessibility.
	const withJs = await signedIn(browser, server.url, 'alice', 'alice-password-1');
	await withJs.page.goto(`${server.url}/topup`);
	expect(await withJs.page.getByTestId('balance-history').locator('tbody tr').count()).toBe(2);
	await expectAccessible(withJs.page);
	await screenshots(withJs.page, 'user-topup');
	await withJs.context.close();
});

test('calls appear in the logs with their own breakdown; filters, pages and other users\' ids', async () => {
	const main = client(keys.main!.key);
	await main.chat.completions.create({ model: MODEL, messages: [{ role: 'user', content: 'first' }] });
	const stream = await client(keys.spare!.key).chat.completions.create({ model: MODEL, stream: true, messages: [{ role: 'user', content: 'streamed' }] });
	for await (const _ of stream) {
		// drain
	}
	mock.enqueue({ kind: 'error', status: 400, body: { error: { message: 'The prompt is malformed.', type: 'invalid_request_error' } } });
	await expect(main.chat.completions.create({ model: MODEL, messages: [{ role: 'user', content: 'bad' }] })).rejects.toMatchObject({ status: 400 });
	for (let i = 0; i < 23; i++) await main.chat.completions.create({ model: MODEL, messages: [{ role: 'user', content: `more ${i}` }] });
	const rows = await eventually(async () => {
		const r = await logRows(alice.id);
		expect(r).toHaveLength(26);
		return r;
	});

	// Tokyo, nine hours ahead of UTC: the time filter must read the inputs in the viewer's zone.
	const context = await browser.newContext({ timezoneId: 'Asia/Tokyo', viewport: { width: 1280, height: 860 } });
	const page = await context.newPage();
	page.setDefaultTimeout(10_000);
	await page.goto(`${server.url}/login`);
	await page.getByLabel('Username').fill('alice');
	await page.getByLabel('Password').fill('alice-password-1');
	await page.getByRole('button', { name: 'Sign in' }).click();
	await page.waitForURL(`${server.url}/`);

	await page.goto(`${server.url}/logs`);
	const table = page.getByTestId('logs-table');
	expect(await table.locator('tbody tr').count()).toBe(25);
	await expectAccessible(page);
	await screenshots(page, 'user-logs');
	await page.getByRole('link', { name: 'Older' }).click();
	await expect.poll(() => table.locator('tbody tr').count()).toBe(1);
	expect(await table.locator('tbody tr').first().getAttribute('data-request-id')).toBe(rows[25]!.request_id);
	await page.getByRole('link', { name: 'Newer' }).click();
	await expect.poll(() => table.locator('tbody tr').count()).toBe(25);
	expect(await table.locator('tbody tr').first().getAttribute('data-request-id')).toBe(rows[0]!.request_id);

	await page.getByLabel('API key').selectOption({ label: `spare (${(await db.sql<{ prefix: string }[]>`select prefix from api_keys where id = ${keys.spare!.id}`)[0]!.prefix}…)` });
	await page.getByRole('button', { name: 'Filter' }).click();
	await expect.poll(() => table.locator('tbody tr').count()).toBe(1);
	expect(await table.locator('tbody tr').first().textContent()).toContain('spare');

	await page.goto(`${server.url}/logs`);
	await page.getByLabel('Status').selectOption('error');
	await page.getByRole('button', { name: 'Filter' }).click();
	await expect.poll(() => table.locator('tbody tr').count()).toBe(1);
	expect(await table.locator('tbody tr').first().textContent()).toContain('400 failed');

	// From ten minutes ago, typed as Tokyo wall-clock time: every call. Read as UTC it would be nine hours ahead: none.
	const tokyo = (ms: number) => new Date(ms + 9 * 3600_000).toISOString().slice(0, 16);
	await page.goto(`${server.url}/logs`);
	await page.getByLabel('From').fill(tokyo(Date.now() - 10 * 60_000));
	await page.getByRole('button', { name: 'Filter' }).click();
	await page.waitForURL(/from=/);
	expect(new URL(page.url()).searchParams.get('tz')).toBe('-540');
	expect(await table.locator('tbody tr').count()).toBe(25);
	await page.getByLabel('From').fill(tokyo(Date.now() + 10 * 60_000));
	await page.getByRole('button', { name: 'Filter' }).click();
	await expect.poll(() => page.getByText('No calls match.').count()).toBe(1);
	// "To" before "From" is refused beside the field.
	await page.getByLabel('From').fill(tokyo(Date.now()));
	await page.getByLabel('To').fill(tokyo(Date.now() - 3600_000));
	await page.getByRole('button', { name: 'Filter' }).click();
	const to = page.getByLabel('To', { exact: true });
	await expect.poll(() => to.getAttribute('aria-invalid')).toBe('true');
	expect(await page.locator(`#${await to.getAttribute('aria-describedby')}`).textContent()).toBe('to must be after from.');

	// The first call's detail: the breakdown's arithmetic gives the logged cost.
	const first = rows[25]!;
	await page.goto(`${server.url}/logs/${first.request_id}`);
	expect(await page.getByTestId('tokens-prompt').textContent()).toBe('11');
	expect(await page.getByTestId('tokens-completion').textContent()).toBe('4');
	expect(await page.getByTestId('tokens-cached').textContent()).toBe('0');
	// (11 + 4 × 4) × 2.5 × 1 = 67.5 → 68 quota.
	expect(await page.getByTestId('formula').textContent()).toContain('27 weighted tokens × model ratio 2.5 × group ratio 1 = 67.5 quota');
	expect(Number(first.cost)).toBe(68);
	expect(await page.getByTestId('cost-quota').textContent()).toContain('= 68 quota (USD 0.000136)');
	expect(await page.getByTestId('latency').textContent()).toMatch(/^\d[\d,]* ms$/);
	await expectAccessible(page);
	await screenshots(page, 'user-log-detail');

	const failed = rows.find((r) => r.status === 400)!;
	await page.goto(`${server.url}/logs/${failed.request_id}`);
	expect(await page.getByTestId('log-error').textContent()).toContain('malformed');
	expect(await page.getByTestId('cost-breakdown').textContent()).toContain('Nothing was delivered, so nothing was billed.');

	// Another user's call is not found, and admin pages are forbidden.
	expect((await page.goto(`${server.url}/logs/${bobRequestId}`))?.status()).toBe(404);
	expect((await page.goto(`${server.url}/admin/logs`))?.status()).toBe(403);
	await context.close();
});

test('changing the password: a wrong current password changes nothing; a good one ends the other sessions', async () => {
	const a = await signedIn(browser, server.url, 'alice', 'alice-password-1');
	const hashBefore = (await db.sql<{ password_hash: string }[]>`select password_hash from users where id = ${alice.id}`)[0]!.password_hash;
	const page = a.page;
	await page.goto(`${server.url}/account`);
	// Earlier tests left browsers signed in: sign them all out, after a confirmation.
	await page.getByText('Sign out all others', { exact: true }).click();
	await page.getByRole('button', { name: 'Sign them out' }).click();
	await expect.poll(() => page.getByTestId('session-notice').textContent()).toMatch(/Signed out \d+ other sessions?\./);
	await expect.poll(() => page.getByTestId('sessions').locator('tbody tr').count()).toBe(1);
	const b = await signedIn(browser, server.url, 'alice', 'alice-password-1');
	await page.goto(`${server.url}/account`);
	await page.getByLabel('Current password').fill('not-my-password');
	await page.getByLabel('New password', { exact: true }).fill('alice-password-2');
	await page.getByLabel('Repeat new password').fill('alice-password-2');
	await page.getByRole('button', { name: 'Change password' }).click();
	expect(await fieldError(page, 'Current password')).toBe('That is not your current password.');
	expect((await db.sql<{ password_hash: string }[]>`select password_hash from users where id = ${alice.id}`)[0]!.password_hash).toBe(hashBefore);
	// Mismatched repeat: beside the repeat field.
	await page.getByLabel('Current password').fill('alice-password-1');
	await page.getByLabel('New password', { exact: true }).fill('alice-password-2');
	await page.getByLabel('Repeat new password').fill('alice-password-3');
	await page.getByRole('button', { name: 'Change password' }).click();
	expect(await fieldError(page, 'Repeat new password')).toBe('The passwords do not match.');
	// The old password still signs in (and that browser signs out again).
	const c = await signedIn(browser, server.url, 'alice', 'alice-password-1');
	await c.page.getByRole('button', { name: 'Sign out' }).click();
	await c.page.waitForURL(/\/login/);
	await c.context.close();

	// Sessions: this one marked; revoking the other signs that browser out.
	await page.goto(`${server.url}/account`);
	const sessions = page.getByTestId('sessions').locator('tbody tr');
	expect(await sessions.count()).toBe(2);
	expect(await page.locator('tr[data-current="true"]').textContent()).toContain('This browser');
	await expectAccessible(page);
	await screenshots(page, 'user-account');
	const other = page.locator('tr:not([data-current])');
	await other.getByText('Sign out', { exact: true }).click();
	await other.getByRole('button', { name: 'Sign it out' }).click();
	await expect.poll(() => page.getByTestId('session-notice').textContent()).toContain('Session ended');
	await expect.poll(() => sessions.count()).toBe(1);
	await b.page.goto(`${server.url}/keys`);
	expect(new URL(b.page.url()).pathname).toBe('/login');
	await b.context.close();

	// A good change, by keyboard alone; another browser signed in before it is signed out.
	const d = await signedIn(browser, server.url, 'alice', 'alice-password-1');
	await page.goto(`${server.url}/account`);
	await page.getByLabel('Current password').focus();
	await page.keyboard.type('alice-password-1');
	await page.keyboard.press('Tab');
	await page.keyboard.type('alice-password-2');
	await page.keyboard.press('Tab');
	await page.keyboard.type('alice-password-2');
	await page.keyboard.press('Enter');
	await page.getByTestId('password-changed').waitFor();
	expect(await page.getByLabel('Current password').inputValue()).toBe('');
	await page.goto(`${server.url}/account`);
	expect(new URL(page.url()).pathname).toBe('/account');
	await d.page.goto(`${server.url}/keys`);
	expect(new URL(d.page.url()).pathname).toBe('/login');
	await d.context.close();
	const e = await signedIn(browser, server.url, 'alice', 'alice-password-2');
	await e.context.close();
	await a.context.close();
	alicePassword = 'alice-password-2';
});

test('the playground streams a reply billed to the chosen key and shows the cost of its log row', async () => {
	const { context, page } = await signedIn(browser, server.url, 'alice', alicePassword);
	await page.goto(`${server.url}/playground`);
	await page.getByLabel('Bill to key').selectOption({ label: `spare (${(await db.sql<{ prefix: string }[]>`select prefix from api_keys where id = ${keys.spare!.id}`)[0]!.prefix}…)` });
	expect(await page.getByLabel('Model').inputValue()).toBe(MODEL);
	await expectAccessible(page);

	const gate = mock.gate();
	mock.enqueue({ kind: 'ok', content: 'Streaming works, piece by piece.', chunks: 4, gate, gateAfterChunk: 3 });
	await page.getByLabel('Message').fill('Say something');
	await page.getByLabel('Message').press('Enter');
	const reply = page.getByTestId('reply-text').first();
	// Part of the answer is on the page while the upstream still holds the rest.
	await expect.poll(() => reply.textContent().catch(() => '')).not.toBe('');
	expect(await reply.textContent()).not.toBe('Streaming works, piece by piece.');
	gate.release();
	await expect.poll(() => reply.textContent()).toBe('Streaming works, piece by piece.');

	const cost = page.getByTestId('reply-cost');
	await cost.waitFor();
	const href = await page.getByTestId('assistant-message').getByRole('link', { name: 'Details' }).getAttribute('href');
	const requestId = href!.replace('/logs/', '');
	const [row] = await db.sql<{ cost: string; api_key_id: number; stream: boolean }[]>`select cost, api_key_id, stream from request_logs where request_id = ${requestId}`;
	expect(row!.api_key_id).toBe(keys.spare!.id);
	expect(row!.stream).toBe(true);
	const quota = Number(row!.cost);
	expect(quota).toBeGreaterThan(0);
	expect(await cost.textContent()).toContain(formatUsd(quota));
	expect(await cost.locator('[title]').getAttribute('title')).toBe(`${quota.toLocaleString('en-US')} quota units`);
	// The upstream saw the conversation, never a plaintext key of ours.
	const sent = mock.requests.at(-1)!;
	expect(sent.headers.authorization).toBe('Bearer sk-upstream-activity-0001');
	expect(JSON.stringify(sent.body)).toContain('Say something');
	await screenshots(page, 'user-playground');
	await context.close();

	// Without JavaScript the page says it needs it.
	const noJs = await signedIn(browser, server.url, 'alice', alicePassword, { javaScript: false });
	await noJs.page.goto(`${server.url}/playground`);
	expect(await noJs.page.getByTestId('needs-js').textContent()).toContain('needs JavaScript');
	await noJs.context.close();
});
