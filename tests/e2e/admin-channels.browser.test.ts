import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test, vi } from 'vitest';
import { ApiClient } from '../harness/api-client';
import { launchBrowser } from '../harness/browser';
import { freshDatabase, type TestDatabase } from '../harness/database';
import { startMockModelLists, type MockModelLists } from '../harness/mock-model-lists';
import { startServer, type TestServer } from '../harness/server';
import { expectAccessible, expectFitsViewport, screenshots, signedIn, stopTransitions } from '../harness/ui';

// Waits here are for a server round trip (a fetch, a test, a batch), on a machine that may be busy.
vi.setConfig({ expect: { poll: { timeout: 10_000, interval: 50 } } });

// The channel console in a real browser: models fetched from the upstream's list, test before
// saving, batch actions, the list on a phone and a desktop, and in Chinese.
const ADMIN_TOKEN = 'admin-channels-token-0123456789abcdef';
const ROOT_PASSWORD = 'root-password-1';
const GOOD = 'sk-good-browser-key-0001';

let db: TestDatabase;
let server: TestServer;
let browser: Browser;
let lists: MockModelLists;
let api: ApiClient;

beforeAll(async () => {
	db = await freshDatabase();
	lists = await startMockModelLists();
	server = await startServer({ env: { DATABASE_URL: db.url, ELYGATE_ROOT_PASSWORD: ROOT_PASSWORD, ELYGATE_ADMIN_TOKEN: ADMIN_TOKEN } });
	api = new ApiClient(server.url, { bearer: ADMIN_TOKEN });
	browser = await launchBrowser();
}, 120_000);

afterAll(async () => {
	await browser?.close();
	await server?.stop();
	await lists?.close();
	await db?.drop();
});

const channelCount = async () => Number((await db.sql`select count(*)::int as n from channels where deleted_at is null`)[0]!.n);
const auditCount = async () => Number((await db.sql`select count(*)::int as n from audit_log`)[0]!.n);

async function createChannel(body: Record<string, unknown>): Promise<number> {
	const res = await api.post('/api/channels', { type: 'openai', baseUrl: `${lists.url}/v1`, keys: [GOOD], models: ['gpt-4o'], ...body });
	expect(res.status, JSON.stringify(res.body)).toBe(201);
	return res.body.id as number;
}

/** Root signed in from a browser that asks for Chinese (Accept-Language: zh-CN). */
async function inChinese(): Promise<{ context: BrowserContext; page: Page }> {
	const context = await browser.newContext({ locale: 'zh-CN', viewport: { width: 1280, height: 860 } });
	const page = await context.newPage();
	page.setDefaultTimeout(10_000);
	await page.goto(`${server.url}/login`);
	await page.getByLabel('用户名').fill('root');
	await page.getByLabel('密码').fill(ROOT_PASSWORD);
	await page.getByRole('button', { name: '登录' }).click();
	await page.waitForURL((url) => !url.pathname.startsWith('/login'));
	return { context, page };
}

describe('fetching models from the upstream', () => {
	test('with JavaScript: fetch, filter, select all, add; test before saving writes nothing; then save', async () => {
		const { context, page } = await signedIn(browser, server.url, 'root', ROOT_PASSWORD);
		await page.goto(`${server.url}/admin/channels/new`);
		await page.getByLabel('Name', { exact: true }).fill('Fetched');
		await page.getByLabel('Base URL').fill(`${lists.url}/v1`);
		await page.getByLabel('API keys').fill(GOOD);
		await page.getByLabel('Models', { exact: true }).fill('gpt-4o');
		await page.getByLabel('Tags').fill('prod, fetched');
		const before = { channels: await channelCount(), audit: await auditCount() };

		// A wrong key: the upstream's refusal is shown, the form keeps everything typed.
		await page.getByLabel('API keys').fill('sk-wrong-key');
		await page.getByRole('button', { name: 'Fetch models' }).click();
		await expect.poll(() => page.getByTestId('fetch-error').textContent()).toContain('The upstream answered 401: Incorrect API key provided (mock)');
		await page.getByLabel('API keys').fill(GOOD);

		await page.getByRole('button', { name: 'Fetch models' }).click();
		const picker = page.getByTestId('model-picker');
		await expect.poll(() => picker.getByRole('checkbox').count()).toBe(lists.openai.length);
		expect(lists.requests.at(-1)).toMatchObject({ method: 'GET', path: '/v1/models' });
		expect(lists.requests.at(-1)!.headers.authorization).toBe(`Bearer ${GOOD}`);
		expect(await page.getByLabel('API keys').inputValue()).toBe(GOOD);
		// The model already listed is shown ticked and cannot be ticked twice.
		expect(await picker.getByRole('checkbox', { name: 'gpt-4o added' }).isDisabled()).toBe(true);

		await picker.getByLabel('Filter models').fill('GPT-4');
		await expect.poll(() => picker.getByRole('checkbox').count()).toBe(3); // gpt-4o, gpt-4o-mini, gpt-4.1-nano
		await picker.getByRole('button', { name: 'Select all' }).click();
		await picker.getByRole('checkbox', { name: 'gpt-4.1-nano' }).uncheck();
		await picker.getByLabel('Filter models').fill('');
		await picker.getByRole('checkbox', { name: 'o3-mini' }).check();
		await expectAccessible(page);
		await screenshots(page, 'admin-channel-fetched-models');
		await picker.getByRole('button', { name: 'Add selected (2)' }).click();
		expect((await page.getByLabel('Models', { exact: true }).inputValue()).split('\n')).toEqual(['gpt-4o', 'gpt-4o-mini', 'o3-mini']);

		// Test before saving, with a model picked from the form's list.
		await page.getByLabel('Model to test').selectOption('o3-mini');
		await page.getByRole('button', { name: 'Test these settings' }).click();
		await expect.poll(() => page.getByTestId('draft-test-result').textContent()).toMatch(/OK\s+answered in [\d,]+ ms \(o3-mini\)/);
		expect(lists.requests.at(-1)).toMatchObject({ method: 'POST', path: '/v1/chat/completions', body: { model: 'o3-mini' } });
		expect({ channels: await channelCount(), audit: await auditCount() }).toEqual(before);

		await page.getByRole('button', { name: 'Create channel' }).click();
		await page.waitForURL(/\/admin\/channels\?saved=/);
		const [row] = await db.sql`select models, tags from channels where name = 'Fetched'`;
		expect(row).toMatchObject({ models: ['gpt-4o', 'gpt-4o-mini', 'o3-mini'], tags: ['prod', 'fetched'] });
		await context.close();
	});

	test('without JavaScript: the list comes back into the page, and ticked models are added when saving', async () => {
		const { context, page } = await signedIn(browser, server.url, 'root', ROOT_PASSWORD, { javaScript: false });
		await page.goto(`${server.url}/admin/channels/new?type=anthropic`);
		await page.getByLabel('Name', { exact: true }).fill('Claude, fetched');
		await page.getByLabel('Base URL').fill(`${lists.url}/anthropic/v1`);
		await page.getByLabel('API keys').fill(GOOD);
		await page.getByRole('button', { name: 'Fetch models' }).click();
		await page.waitForLoadState();
		const picker = page.getByTestId('model-picker');
		expect(await picker.getByRole('checkbox').count()).toBe(lists.anthropic.length);
		// Typed keys are not sent back into the page; the page says so.
		expect(await page.content()).not.toContain(GOOD);
		expect(await page.getByText('keys you typed are not sent back').count()).toBe(1);
		expect(await page.getByLabel('Name', { exact: true }).inputValue()).toBe('Claude, fetched');
		await picker.getByRole('checkbox', { name: 'claude-haiku-4-5' }).check();
		await picker.getByRole('checkbox', { name: 'claude-sonnet-4-5' }).check();
		await page.getByLabel('API keys').fill(GOOD);
		await page.getByRole('button', { name: 'Create channel' }).click();
		await page.waitForURL(/\/admin\/channels\?saved=/);
		const [row] = await db.sql`select models from channels where name = 'Claude, fetched'`;
		expect(row!.models).toEqual(['claude-haiku-4-5', 'claude-sonnet-4-5']);
		await context.close();
	});

	test("the edit form fetches with the stored key (shown masked) and tests the unsaved values", async () => {
		const id = await createChannel({ name: 'Edit fetch', models: ['gpt-4o'] });
		const { context, page } = await signedIn(browser, server.url, 'root', ROOT_PASSWORD);
		await page.goto(`${server.url}/admin/channels/${id}`);
		expect(await page.getByLabel('API keys').inputValue()).toContain('…');
		await page.getByRole('button', { name: 'Fetch models' }).click();
		await expect.poll(() => page.getByTestId('model-picker').getByRole('checkbox').count()).toBe(lists.openai.length);
		expect(lists.requests.at(-1)!.headers.authorization).toBe(`Bearer ${GOOD}`);
		const updatedAt = (await db.sql`select updated_at from channels where id = ${id}`)[0]!.updated_at;
		await page.getByLabel('Models', { exact: true }).fill('gpt-4o\ngpt-4o-mini');
		await page.getByLabel('Model to test').selectOption('gpt-4o-mini');
		await page.getByRole('button', { name: 'Test these settings' }).click();
		await expect.poll(() => page.getByTestId('draft-test-result').textContent()).toContain('(gpt-4o-mini)');
		expect((await db.sql`select models, updated_at, last_test_at from channels where id = ${id}`)[0]).toMatchObject({ models: ['gpt-4o'], updated_at: updatedAt, last_test_at: null });
		await expectAccessible(page);
		await context.close();
	});
});

describe('the list', () => {
	test('batch disable of two channels, then a batch delete that asks first', async () => {
		const one = await createChannel({ name: 'Batch one', tags: ['batch'] });
		const two = await createChannel({ name: 'Batch two', tags: ['batch'] });
		const three = await createChannel({ name: 'Batch three', tags: ['batch'] });
		const { context, page } = await signedIn(browser, server.url, 'root', ROOT_PASSWORD);
		await page.goto(`${server.url}/admin/channels?tag=batch`);
		expect(await page.getByTestId('channel-row').count()).toBe(3);
		await page.getByRole('checkbox', { name: 'Select Batch one' }).check();
		await page.getByRole('checkbox', { name: 'Select Batch two' }).check();
		expect(await page.getByTestId('selected-count').textContent()).toBe('Selected: 2');
		await page.getByLabel('With the selected channels').selectOption('disable');
		await page.locator('#channels-batch').getByRole('button', { name: 'Apply' }).click();
		await expect.poll(() => page.getByTestId('batch-result').textContent()).toContain('Channels disabled: 2.');
		const status = async () => (await db.sql`select id, status, disable_kind from channels where id in ${db.sql([one, two, three])} order by id`).map((r) => `${r.status}/${r.disable_kind}`);
		expect(await status()).toEqual(['disabled/manual', 'disabled/manual', 'enabled/null']);
		expect((await db.sql`select target_id from audit_log where action = 'channel.disable' order by id`).map((r) => Number(r.target_id))).toEqual([one, two]);
		expect(await page.getByTestId('selected-count').textContent()).toBe('Selected: 0');

		await page.getByRole('checkbox', { name: 'Select Batch three' }).check();
		await page.getByLabel('With the selected channels').selectOption('delete');
		await page.locator('#channels-batch').getByRole('button', { name: 'Apply' }).click();
		const confirm = page.getByTestId('confirm-delete');
		await expect.poll(() => confirm.textContent()).toContain('Batch three');
		expect(await channelCount()).toBeGreaterThanOrEqual(3);
		await expectAccessible(page);
		await confirm.getByRole('button', { name: 'Delete these channels' }).click();
		await expect.poll(async () => (await db.sql`select deleted_at from channels where id = ${three}`)[0]!.deleted_at).not.toBeNull();
		await expect.poll(() => page.getByTestId('channel-row').count()).toBe(2);
		await context.close();
	});

	test('search, a chosen model to test, and a balance check from the row menu', async () => {
		const ds = await createChannel({ type: 'deepseek', name: 'DeepSeek balance', baseUrl: lists.url, models: ['deepseek-chat', 'deepseek-reasoner'] });
		const { context, page } = await signedIn(browser, server.url, 'root', ROOT_PASSWORD);
		await page.goto(`${server.url}/admin/channels`);
		await page.getByLabel('Search').fill('REASONER');
		await page.getByRole('button', { name: 'Filter' }).click();
		await page.waitForURL(/q=REASONER/);
		expect(await page.getByTestId('channel-row').count()).toBe(1);
		const row = page.locator('[data-channel="DeepSeek balance"]');
		expect(await row.getByTestId('balance').textContent()).toContain('Not checked');
		await row.getByLabel('More actions for DeepSeek balance').click();
		await row.getByRole('button', { name: 'Check balance of DeepSeek balance' }).click();
		await expect.poll(() => row.getByTestId('balance-amount').textContent()).toBe('$42.50');
		expect((await db.sql`select balance_amount, balance_currency from channels where id = ${ds}`)[0]).toMatchObject({ balance_amount: '42.500000', balance_currency: 'USD' });

		await row.getByLabel('Model to test').selectOption('deepseek-reasoner');
		await row.getByRole('button', { name: 'Test this model on DeepSeek balance' }).click();
		await expect.poll(() => page.getByTestId('test-results').textContent()).toContain('(deepseek-reasoner)');
		expect(lists.requests.at(-1)).toMatchObject({ path: '/chat/completions', body: { model: 'deepseek-reasoner' } });
		await context.close();
	});

	test('at 390 px and 1280 px the list and the forms are no wider than the window, light and dark, in English and Chinese; axe is clean', async () => {
		await createChannel({
			name: 'A channel with a rather long name to see how it wraps on a phone',
			tags: ['production', 'very-long-tag-name-for-wrapping', 'cn'],
			models: ['gpt-4o', 'an-extraordinarily-long-model-name-that-should-never-widen-the-page-2025-01-01']
		});
		const id = await createChannel({ type: 'deepseek', name: 'DeepSeek wide', baseUrl: lists.url, models: ['deepseek-chat'] });
		await api.post(`/api/channels/${id}/balance`);
		for (const language of ['en', 'zh-CN'] as const) {
			const { context, page } = language === 'en' ? await signedIn(browser, server.url, 'root', ROOT_PASSWORD) : await inChinese();
			for (const path of ['/admin/channels', '/admin/channels/new', `/admin/channels/${id}`]) {
				await page.goto(`${server.url}${path}`);
				await stopTransitions(page);
				for (const width of [390, 1280]) {
					await page.setViewportSize({ width, height: 900 });
					for (const scheme of ['light', 'dark'] as const) {
						await page.emulateMedia({ colorScheme: scheme });
						await expectFitsViewport(page, `${language} ${path} at ${width} px, ${scheme}`);
					}
				}
				await page.setViewportSize({ width: 1280, height: 900 });
				await page.emulateMedia({ colorScheme: 'light' });
				await expectAccessible(page);
			}
			// A row's menu open on a phone stays inside the card.
			await page.goto(`${server.url}/admin/channels`);
			await stopTransitions(page);
			await page.setViewportSize({ width: 390, height: 900 });
			await page.locator('[data-testid="row-menu"] summary').first().click();
			await expectFitsViewport(page, `${language} /admin/channels with a menu open at 390 px`);
			await page.emulateMedia({ colorScheme: 'light' });
			await expectAccessible(page);
			if (language === 'en') await screenshots(page, 'admin-channels-cards');
			await context.close();
		}
	});

	test('in Chinese: titles, buttons, table and form errors speak Chinese', async () => {
		const { context, page } = await inChinese();
		await page.goto(`${server.url}/admin/channels`);
		expect(await page.getAttribute('html', 'lang')).toBe('zh-CN');
		expect(await page.title()).toBe('渠道 · Elygate');
		expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('渠道');
		expect(await page.getByRole('button', { name: '全部测试' }).count()).toBe(1);
		expect(await page.getByRole('columnheader', { name: '最近测试' }).count()).toBe(1);
		const text = (await page.locator('main').textContent()) ?? '';
		for (const english of ['Test all', 'New channel', 'Last test', 'Never tested', 'More', 'channels_']) expect(text, english).not.toContain(english);
		await screenshots(page, 'admin-channels-zh');

		await page.goto(`${server.url}/admin/channels/new`);
		expect(await page.title()).toBe('新建渠道 · Elygate');
		expect(await page.getByLabel('名称', { exact: true }).count()).toBe(1);
		expect(await page.getByRole('button', { name: '获取模型列表' }).count()).toBe(1);
		expect(await page.getByLabel('Responses 接口').getAttribute('type')).toBe('checkbox');
		await page.getByRole('button', { name: '创建渠道' }).click();
		const name = page.getByLabel('名称', { exact: true });
		await expect.poll(() => name.getAttribute('aria-invalid')).toBe('true');
		const errorId = ((await name.getAttribute('aria-describedby')) ?? '').split(' ').find((i) => i.endsWith('-error'));
		expect(await page.locator(`[id="${errorId}"]`).textContent()).toBe('请为渠道命名。');
		const form = (await page.locator('main').textContent()) ?? '';
		for (const english of ['Fetch models', 'Test before saving', 'Connect timeout', 'responsesApi']) expect(form, english).not.toContain(english);
		await context.close();
	});
});
