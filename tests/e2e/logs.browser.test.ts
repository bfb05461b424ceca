import OpenAI, { APIError } from 'openai';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { ApiClient } from '../harness/api-client';
import { launchBrowser } from '../harness/browser';
import { freshDatabase, type TestDatabase } from '../harness/database';
import { eventually } from '../harness/eventually';
import { TEST_SECRET_KEY } from '../harness/fixtures';
import { startMockUpstream, type MockUpstream } from '../harness/mock-upstream';
import { startServer, type TestServer } from '../harness/server';
import { expectAccessible, expectFitsViewport, screenshots, signedIn } from '../harness/ui';

// The usage logs (a user's and the administrators'), their detail pages, and refused calls
// shown with their reason there and in the dashboard's failed calls; phone and desktop widths,
// English and Chinese.
const ADMIN_TOKEN = 'logs-admin-token-0123456789abcdefghij';
const ROOT: [string, string] = ['root', 'root-password-1'];
const MODEL = 'gpt-4o-mini';
const PHONE = { width: 390, height: 844 };
const DESKTOP = { width: 1280, height: 860 };

let db: TestDatabase;
let mock: MockUpstream;
let server: TestServer;
let browser: Browser;
let api: ApiClient;
const users: Record<string, number> = {};
const keys: Record<string, { id: number; key: string }> = {};
/** Request ids of calls made in the set-up, by what they were. */
const calls: Record<string, string> = {};

function client(key: string) {
	return new OpenAI({ baseURL: `${server.url}/v1`, apiKey: key, maxRetries: 0 });
}

async function refusedId(call: Promise<unknown>): Promise<string> {
	const err = await call.then(
		() => undefined,
		(e: unknown) => e
	);
	if (!(err instanceof APIError) || !err.requestID) throw new Error(`expected a refusal, got ${String(err)}`);
	return err.requestID;
}

async function makeKey(name: string, userId: number, over: Record<string, unknown> = {}) {
	const res = await api.post('/api/keys', { name, userId, ...over });
	expect(res.status).toBe(201);
	return { id: res.body.apiKey.id as number, key: res.body.key as string };
}

beforeAll(async () => {
	db = await freshDatabase();
	mock = await startMockUpstream();
	server = await startServer({ env: { DATABASE_URL: db.url, ELYGATE_SECRET_KEY: TEST_SECRET_KEY, ELYGATE_ADMIN_TOKEN: ADMIN_TOKEN, ELYGATE_ROOT_PASSWORD: ROOT[1] } });
	api = new ApiClient(server.url, { bearer: ADMIN_TOKEN });
	expect((await api.post('/api/channels', { type: 'openai', name: 'mock channel', baseUrl: mock.url, models: [MODEL], keys: ['sk-upstream-logs-page-0001'] })).status).toBe(201);
	expect((await api.post('/api/prices', { model: MODEL, modelRatio: 1, completionRatio: 2 })).status).toBe(200);
	for (const name of ['alice', 'bob']) {
		const res = await api.post('/api/users', { username: name, password: `${name}-password-1`, quota: 5_000_000 });
		expect(res.status).toBe(201);
		users[name] = res.body.id;
	}
	keys.main = await makeKey('main', users.alice!);
	keys.limited = await makeKey('limited', users.alice!, { allowedModels: [MODEL] });
	keys.bobs = await makeKey('main', users.bob!);
	await eventually(async () => expect((await fetch(`${server.url}/v1/models`, { headers: { authorization: `Bearer ${keys.bobs!.key}` } })).status).toBe(200));

	const answer = await client(keys.main!.key).chat.completions.create({ model: MODEL, messages: [{ role: 'user', content: 'hello' }] }).withResponse();
	calls.ok = answer.response.headers.get('x-request-id')!;
	calls.unknownModel = await refusedId(client(keys.main!.key).chat.completions.create({ model: 'no-such-model', messages: [{ role: 'user', content: 'hi' }] }));
	calls.forbidden = await refusedId(client(keys.limited!.key).chat.completions.create({ model: 'gpt-4.1', messages: [{ role: 'user', content: 'hi' }] }));
	await client(keys.bobs!.key).chat.completions.create({ model: MODEL, messages: [{ role: 'user', content: 'bob here' }] });
	await eventually(async () => expect((await db.sql`select 1 from request_logs`).length).toBe(4));
	browser = await launchBrowser();
});

afterAll(async () => {
	await browser?.close();
	await server?.stop();
	await mock?.close();
	await db?.drop();
});

/** A browser context signed in through the form, in the language `accept-language` asks for. */
async function signedInAs(username: string, password: string, opts: { locale?: string; javaScript?: boolean } = {}): Promise<{ context: BrowserContext; page: Page }> {
	if (!opts.locale) return signedIn(browser, server.url, username, password, { javaScript: opts.javaScript });
	const context = await browser.newContext({ viewport: DESKTOP, extraHTTPHeaders: { 'accept-language': opts.locale }, javaScriptEnabled: opts.javaScript ?? true });
	const page = await context.newPage();
	page.setDefaultTimeout(10_000);
	await page.goto(`${server.url}/login`);
	await page.locator('input[name="username"]').fill(username);
	await page.locator('input[name="password"]').fill(password);
	await page.locator('button.btn-primary').click();
	await page.waitForURL((url) => !url.pathname.startsWith('/login'));
	return { context, page };
}

/** Nothing scrolls sideways at phone and desktop widths, in light and dark, and axe finds nothing serious. */
async function expectFits(page: Page, path: string): Promise<void> {
	for (const viewport of [PHONE, DESKTOP]) {
		await page.setViewportSize(viewport);
		for (const colorScheme of ['light', 'dark'] as const) {
			await page.emulateMedia({ colorScheme });
			await page.goto(`${server.url}${path}`);
			await expectFitsViewport(page, `${path} at ${viewport.width} px (${colorScheme})`);
			await expectAccessible(page);
		}
	}
	await page.emulateMedia({ colorScheme: 'light' });
	await page.setViewportSize(DESKTOP);
}

test('a refused call shows in the dashboard failed calls and in the logs, with its reason and code, at no cost', async () => {
	const { context, page } = await signedInAs('alice', 'alice-password-1');
	await page.goto(`${server.url}/`);
	const failures = page.getByTestId('failures');
	const unknown = failures.getByRole('link', { name: 'no-such-model' });
	expect(await unknown.getAttribute('href')).toBe(`/logs/${calls.unknownModel}`);
	expect(await failures.textContent()).toContain('No such model, or no access to it. (model_not_found)');
	expect(await failures.textContent()).toContain('The key may not use this model. (model_not_allowed)');
	await expectAccessible(page);

	await page.goto(`${server.url}/logs`);
	const row = page.locator(`tr[data-request-id="${calls.unknownModel}"]`);
	expect(await row.getByTestId('call-reason').textContent()).toContain('No such model, or no access to it.');
	expect(await row.getByTestId('call-reason-code').textContent()).toBe('model_not_found');
	expect(await row.textContent()).toContain('404 failed');
	expect(await page.locator(`tr[data-request-id="${calls.forbidden}"]`).getByTestId('call-reason-code').textContent()).toBe('model_not_allowed');
	// Only failures, when asked.
	await page.getByLabel('Status').selectOption('error');
	await page.getByRole('button', { name: 'Filter' }).click();
	await expect.poll(() => page.getByTestId('logs-table').locator('tbody tr').count()).toBe(2);
	await screenshots(page, 'user-logs-refusals');

	await page.goto(`${server.url}/logs/${calls.unknownModel}`);
	expect(await page.getByTestId('call-reason').textContent()).toContain('model_not_found');
	expect(await page.getByTestId('log-error').textContent()).toContain('The model no-such-model does not exist');
	expect(await page.getByTestId('formula').textContent()).toBe('Refused before it was priced: nothing was sent upstream and nothing was billed.');
	expect(await page.getByTestId('cost-quota').textContent()).toContain('= 0 quota');
	await expectAccessible(page);
	await screenshots(page, 'user-log-refused');
	await context.close();
});

test('/logs and a log detail fit phones and desktops, light and dark, in English and Chinese', async () => {
	for (const locale of [undefined, 'zh-CN']) {
		const { context, page } = await signedInAs('alice', 'alice-password-1', { locale });
		for (const path of ['/logs', `/logs/${calls.ok}`, `/logs/${calls.forbidden}`]) await expectFits(page, path);
		await context.close();
	}
});

test('/admin/logs and a log detail fit phones and desktops, light and dark, in English and Chinese', async () => {
	for (const locale of [undefined, 'zh-CN']) {
		const { context, page } = await signedInAs(...ROOT, { locale });
		for (const path of ['/admin/logs', `/admin/logs/${calls.ok}`, `/admin/logs/${calls.unknownModel}`]) await expectFits(page, path);
		await context.close();
	}
	const { context, page } = await signedInAs(...ROOT);
	await page.goto(`${server.url}/admin/logs`);
	await screenshots(page, 'admin-logs-cards');
	await context.close();
});

test('on a phone every row is a card whose cells are named', async () => {
	const { context, page } = await signedInAs(...ROOT);
	await page.setViewportSize(PHONE);
	await page.goto(`${server.url}/admin/logs`);
	const cell = page.locator(`tr[data-request-id="${calls.unknownModel}"] td`).nth(5);
	expect(await cell.getAttribute('data-label')).toBe('Status');
	expect(await cell.evaluate((td) => getComputedStyle(td).display)).toBe('flex');
	expect(await cell.evaluate((td) => getComputedStyle(td, '::before').content)).toBe('"Status"');
	// The detail link of each row is on screen, not off to the right.
	const link = page.locator(`tr[data-request-id="${calls.unknownModel}"] a`).first();
	const box = (await link.boundingBox())!;
	expect(box.x + box.width).toBeLessThanOrEqual(PHONE.width);
	await context.close();
});

test('in Chinese (Accept-Language): headings, filters, reasons and validation messages', async () => {
	const { context, page } = await signedInAs('alice', 'alice-password-1', { locale: 'zh-CN' });
	await page.goto(`${server.url}/logs`);
	expect(await page.locator('html').getAttribute('lang')).toBe('zh-CN');
	expect(await page.locator('h1').textContent()).toBe('使用日志');
	expect(await page.title()).toBe('使用日志 · Elygate');
	expect(await page.getByLabel('API 密钥').count()).toBe(1);
	expect(await page.locator(`tr[data-request-id="${calls.unknownModel}"]`).getByTestId('call-reason').textContent()).toContain('模型不存在，或无权访问。');
	// "To" before "From", refused beside the field in Chinese.
	const at = (ms: number) => new Date(ms).toISOString().slice(0, 16);
	await page.goto(`${server.url}/logs?from=${at(Date.now())}&to=${at(Date.now() - 3600_000)}`);
	const to = page.locator('#filter-to');
	expect(await to.getAttribute('aria-invalid')).toBe('true');
	expect(await page.locator(`#${await to.getAttribute('aria-describedby')}`).textContent()).toBe('结束时间必须晚于开始时间。');
	await page.goto(`${server.url}/logs/${calls.unknownModel}`);
	expect(await page.locator('h1').textContent()).toBe('调用详情');
	expect(await page.getByTestId('formula').textContent()).toBe('在计价之前即被拒绝：没有请求发往上游，也没有计费。');
	// A page no one has: 404 in Chinese.
	expect((await page.goto(`${server.url}/logs/req_00000000000000000000000000`))?.status()).toBe(404);
	await context.close();

	const root = await signedInAs(...ROOT, { locale: 'zh-CN' });
	await root.page.goto(`${server.url}/admin/logs`);
	expect(await root.page.locator('h1').textContent()).toBe('日志');
	expect(await root.page.title()).toBe('日志 · Elygate');
	await root.page.goto(`${server.url}/admin/logs?user=nobody`);
	expect(await root.page.locator('#l-user-error').textContent()).toBe('没有名为“nobody”的用户。');
	await root.page.goto(`${server.url}/admin/logs/${calls.forbidden}`);
	expect(await root.page.getByTestId('log-refused').textContent()).toBe('无：在发往上游前即被拒绝');
	await screenshots(root.page, 'admin-log-refused-zh');
	await root.context.close();
});

test('administrators filter by username and by key name, with or without JavaScript; ids still work in links', async () => {
	for (const javaScript of [true, false]) {
		const { context, page } = await signedInAs(...ROOT, { javaScript });
		await page.goto(`${server.url}/admin/logs`);
		const table = page.getByTestId('logs-table');
		expect(await table.locator('tbody tr').count()).toBe(4);
		await page.getByLabel('User (name or id)').fill('ALICE');
		await page.getByRole('button', { name: 'Filter' }).click();
		await page.waitForURL((url) => url.searchParams.get('user') === 'ALICE');
		expect(await table.locator('tbody tr').count()).toBe(3);
		expect(await page.getByTestId('logs-csv').getAttribute('href')).toContain(`userId=${users.alice}`);
		// With a user chosen, their keys are offered by name.
		expect(await page.locator('#l-keys option').evaluateAll((options) => options.map((o) => (o as HTMLOptionElement).value))).toEqual(['limited', 'main']);
		await page.getByLabel('API key (name or id)').fill('limited');
		await page.getByRole('button', { name: 'Filter' }).click();
		await page.waitForURL((url) => url.searchParams.get('key') === 'limited');
		expect(await table.locator('tbody tr').count()).toBe(1);
		expect(await table.locator('tbody tr').first().getAttribute('data-request-id')).toBe(calls.forbidden);
		if (javaScript) await expectAccessible(page);
		await context.close();
	}

	const { context, page } = await signedInAs(...ROOT);
	const table = page.getByTestId('logs-table');
	// Two users have a key named "main": without a user the name is ambiguous, beside its field.
	await page.goto(`${server.url}/admin/logs?key=main`);
	const keyField = page.getByLabel('API key (name or id)');
	expect(await keyField.getAttribute('aria-invalid')).toBe('true');
	expect(await page.locator('#l-key-error').textContent()).toBe('Several keys are named “main”: choose the user too, or give the key\'s id.');
	await page.goto(`${server.url}/admin/logs?user=bob&key=main`);
	expect(await table.locator('tbody tr').count()).toBe(1);
	await page.goto(`${server.url}/admin/logs?user=bob&key=limited`);
	expect(await page.locator('#l-key-error').textContent()).toBe('bob has no key “limited”.');
	// Links from the users page carry ids: the form shows the username.
	await page.goto(`${server.url}/admin/logs?userId=${users.bob}`);
	expect(await table.locator('tbody tr').count()).toBe(1);
	expect(await page.getByLabel('User (name or id)').inputValue()).toBe('bob');
	await page.goto(`${server.url}/admin/logs?keyId=${keys.limited!.id}`);
	expect(await table.locator('tbody tr').count()).toBe(1);
	await page.goto(`${server.url}/admin/logs?user=%23${users.alice}&status=error`);
	expect(await table.locator('tbody tr').count()).toBe(2);
	await context.close();
});
