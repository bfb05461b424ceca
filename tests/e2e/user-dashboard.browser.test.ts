import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { formatUsd } from '../../src/lib/money';
import { ApiClient } from '../harness/api-client';
import { launchBrowser } from '../harness/browser';
import { freshDatabase, type TestDatabase } from '../harness/database';
import { eventually } from '../harness/eventually';
import { TEST_SECRET_KEY } from '../harness/fixtures';
import { startServer, type TestServer } from '../harness/server';
import { expectAccessible, screenshots, signedIn } from '../harness/ui';

// The dashboard (new user and one with a month of usage) and the models & prices page, priced
// after the user's group ratio.
const ADMIN_TOKEN = 'user-dash-admin-token-0123456789abcdef';
const DAY_MS = 86_400_000;

let db: TestDatabase;
let server: TestServer;
let browser: Browser;
const ids = { fresh: 0, busy: 0, vip: 0 };

beforeAll(async () => {
	db = await freshDatabase();
	server = await startServer({ env: { DATABASE_URL: db.url, ELYGATE_SECRET_KEY: TEST_SECRET_KEY, ELYGATE_ADMIN_TOKEN: ADMIN_TOKEN, ELYGATE_ROOT_PASSWORD: 'root-password-1' } });
	const admin = new ApiClient(server.url, { bearer: ADMIN_TOKEN });
	expect((await admin.post('/api/groups', { name: 'vip', ratio: 0.5 })).status).toBe(200);
	const models = ['gpt-4o', 'claude-sonnet', 'image-maker', 'text-embed'];
	const channel = { type: 'openai', name: 'up', baseUrl: 'http://127.0.0.1:9/v1', models, keys: ['sk-upstream-dash-0001'], groups: ['default', 'vip'] };
	expect((await admin.post('/api/channels', channel)).status).toBe(201);
	expect((await admin.post('/api/prices', { model: 'gpt-4o', modelRatio: 1.25, completionRatio: 4, cacheReadRatio: 0.5 })).status).toBe(200);
	expect((await admin.post('/api/prices', { model: 'claude-sonnet', modelRatio: 1.5, completionRatio: 5 })).status).toBe(200);
	expect((await admin.post('/api/prices', { model: 'image-maker', modelRatio: 0, pricePerRequestUsd: 0.04 })).status).toBe(200);
	expect((await admin.post('/api/prices', { model: 'text-embed', modelRatio: 0.01 })).status).toBe(200);
	ids.fresh = (await admin.post('/api/users', { username: 'newbie', password: 'newbie-password-1' })).body.id;
	ids.busy = (await admin.post('/api/users', { username: 'busy', password: 'busy-password-1', quota: 50_000_000 })).body.id;
	ids.vip = (await admin.post('/api/users', { username: 'vipper', password: 'vipper-password-1', group: 'vip' })).body.id;
	browser = await launchBrowser();
});

afterAll(async () => {
	await browser?.close();
	await server?.stop();
	await db?.drop();
});

const isoDay = (ms: number) => new Date(ms).toISOString().slice(0, 10);

test('a new user sees a welcome with next steps instead of empty charts', async () => {
	const { context, page } = await signedIn(browser, server.url, 'newbie', 'newbie-password-1');
	await page.goto(`${server.url}/`);
	expect(await page.getByTestId('dashboard-empty').isVisible()).toBe(true);
	expect(await page.getByTestId('spend-chart').count()).toBe(0);
	expect(await page.getByTestId('no-failures').isVisible()).toBe(true);
	expect(await page.getByTestId('balance').textContent()).toContain('$0.00');
	expect(await page.getByTestId('window-requests').allTextContents()).toEqual(['0', '0', '0']);
	await expectAccessible(page);
	await screenshots(page, 'dashboard-empty');

	await page.goto(`${server.url}/keys`);
	expect(await page.getByTestId('keys-empty').isVisible()).toBe(true);
	await expectAccessible(page);
	await screenshots(page, 'keys-empty');
	await context.close();
});

test('a month of usage: totals for today, 7 and 30 days from the rollup, the chart and its table; only my own usage', async () => {
	const now = Date.now();
	const rows: Array<{ day: string; user: number; model: string; requests: number; failures: number; prompt: number; completion: number; cost: number }> = [];
	for (let back = 0; back < 35; back++) {
		const day = isoDay(now - back * DAY_MS);
		rows.push({ day, user: ids.busy, model: 'gpt-4o', requests: 10 + back, failures: back % 4 === 0 ? 1 : 0, prompt: 1000 + back, completion: 500, cost: 100_000 + back * 1000 });
		if (back % 3 === 0) rows.push({ day, user: ids.busy, model: 'claude-sonnet', requests: 5, failures: 0, prompt: 800, completion: 200, cost: 250_000 });
		rows.push({ day, user: ids.vip, model: 'gpt-4o', requests: 999, failures: 0, prompt: 1, completion: 1, cost: 9_999_999 }); // someone else's
	}
	for (const r of rows) {
		await db.sql`insert into usage_daily (day, user_id, api_key_id, channel_id, model, requests, failures, prompt_tokens, completion_tokens, cost)
			values (${r.day}, ${r.user}, 0, 0, ${r.model}, ${r.requests}, ${r.failures}, ${r.prompt}, ${r.completion}, ${r.cost})`;
	}
	const mine = (days: number) => rows.filter((r) => r.user === ids.busy && r.day >= isoDay(now - (days - 1) * DAY_MS));
	const sum = (list: typeof rows, f: (r: (typeof rows)[number]) => number) => list.reduce((a, r) => a + f(r), 0);

	const { context, page } = await signedIn(browser, server.url, 'busy', 'busy-password-1');
	await page.goto(`${server.url}/`);
	const spends = await page.getByTestId('window-spend').allTextContents();
	const requests = await page.getByTestId('window-requests').allTextContents();
	const tokens = await page.getByTestId('window-tokens').allTextContents();
	[1, 7, 30].forEach((days, i) => {
		const list = mine(days);
		expect(spends[i]).toContain(formatUsd(sum(list, (r) => r.cost)));
		expect(requests[i]).toBe(sum(list, (r) => r.requests).toLocaleString('en-US'));
		expect(tokens[i]).toBe(sum(list, (r) => r.prompt + r.completion).toLocaleString('en-US'));
	});
	expect(await page.getByTestId('balance').textContent()).toContain('$100.00');

	// The chart draws both models; the table behind it has one row per day with spend.
	await expect.poll(() => page.getByTestId('spend-chart').locator('.lc-bars').count()).toBe(2);
	await page.getByText('Show the figures').click();
	const table = page.getByTestId('spend-table');
	expect(await table.locator('tbody tr').count()).toBe(30);
	expect(await table.locator('thead th').allTextContents()).toEqual(['Day', 'gpt-4o', 'claude-sonnet', 'Total']);
	const todayCost = sum(mine(1), (r) => r.cost);
	expect(await table.locator('tbody tr').last().locator('td').last().textContent()).toBe(formatUsd(todayCost));
	await expectAccessible(page);
	await screenshots(page, 'dashboard-data');
	await context.close();
});

test('models & prices: USD per million after the group ratio, fixed prices per request, a search that works without JavaScript', async () => {
	const price = async (user: string, password: string, js = true) => {
		const { context, page } = await signedIn(browser, server.url, user, password, { javaScript: js });
		await eventually(async () => {
			await page.goto(`${server.url}/models`);
			expect(await page.getByTestId('model-row').count()).toBe(4);
		});
		const cells = async (model: string) => page.locator(`[data-model="${model}"] td`).allTextContents();
		return { context, page, cells };
	};

	const plain = await price('busy', 'busy-password-1');
	expect(await plain.cells('gpt-4o')).toEqual(['$2.50', '$1.25', '$10.00']);
	expect(await plain.cells('claude-sonnet')).toEqual(['$3.00', '—', '$15.00']);
	expect(await plain.cells('text-embed')).toEqual(['$0.02', '—', '$0.02']);
	expect((await plain.cells('image-maker'))[0]).toContain('$0.04 per request');
	await expectAccessible(plain.page);
	await screenshots(plain.page, 'models');
	await plain.context.close();

	const vip = await price('vipper', 'vipper-password-1', false);
	expect(await vip.cells('gpt-4o')).toEqual(['$1.25', '$0.625', '$5.00']);
	expect((await vip.cells('image-maker'))[0]).toContain('$0.02 per request');
	await vip.page.getByLabel('Search models').fill('CLAUDE');
	await vip.page.getByRole('button', { name: 'Search' }).click();
	await vip.page.waitForURL((url) => url.searchParams.get('q') === 'CLAUDE');
	expect(await vip.page.getByTestId('model-row').count()).toBe(1);
	expect(await vip.cells('claude-sonnet')).toEqual(['$1.50', '—', '$7.50']);
	await vip.page.goto(`${server.url}/models?q=nothing-like-this`);
	expect(await vip.page.getByTestId('models-none-match').isVisible()).toBe(true);
	await vip.context.close();
});
