import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import OpenAI from 'openai';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { projectRoot } from '../../scripts/build-state';
import { ApiClient } from '../harness/api-client';
import { launchBrowser } from '../harness/browser';
import { freshDatabase, type TestDatabase } from '../harness/database';
import { eventually } from '../harness/eventually';
import { startMockUpstream, type MockUpstream } from '../harness/mock-upstream';
import { startServer, type TestServer } from '../harness/server';
import { DESKTOP, expectAccessible, expectFitsViewport, PHONE, screenshots, signedIn } from '../harness/ui';

// Every console page, for both roles, in both languages, at a desktop and a phone width: it
// answers 200, is never wider than the viewport, passes axe (light and dark), and in Chinese shows no English
// title and no catalogue key. Screenshots (light, dark, phone) of each go to test-results/.
const ADMIN_TOKEN = 'every-page-admin-token-0123456789ab';
const MODEL = 'gpt-4o-mini';

let db: TestDatabase;
let mock: MockUpstream;
let server: TestServer;
let browser: Browser;
const ids = { key: 0, channel: 0, user: 0, request: '' };

const catalogueKeys = Object.keys(JSON.parse(readFileSync(join(projectRoot, 'messages/en.json'), 'utf8')) as Record<string, string>).filter((k) => k !== '$schema');

beforeAll(async () => {
	db = await freshDatabase();
	mock = await startMockUpstream();
	server = await startServer({ env: { DATABASE_URL: db.url, ELYGATE_ROOT_PASSWORD: 'root-password-1', ELYGATE_ADMIN_TOKEN: ADMIN_TOKEN } });
	const api = new ApiClient(server.url, { bearer: ADMIN_TOKEN });
	const channel = await api.post('/api/channels', { type: 'openai', name: 'mock', baseUrl: mock.url, models: [MODEL], keys: ['sk-upstream-every-page-1'] });
	expect(channel.status).toBe(201);
	ids.channel = channel.body.id;
	expect((await api.post('/api/prices', { model: MODEL, modelRatio: 2.5, completionRatio: 4 })).status).toBe(200);
	const alice = await api.post('/api/users', { username: 'alice', password: 'alice-password-1', quota: 5_000_000 });
	expect(alice.status).toBe(201);
	ids.user = alice.body.id;
	const key = await api.post('/api/keys', { name: 'main', userId: ids.user });
	expect(key.status).toBe(201);
	ids.key = key.body.apiKey.id;
	expect((await api.post('/api/redemptions', { name: 'welcome', amountUsd: 1, count: 2 })).status).toBe(201);
	const client = new OpenAI({ baseURL: `${server.url}/v1`, apiKey: key.body.key, maxRetries: 0 });
	await client.chat.completions.create({ model: MODEL, messages: [{ role: 'user', content: 'hello' }] });
	ids.request = await eventually(async () => {
		const [row] = await db.sql<{ request_id: string }[]>`select request_id from request_logs where user_id = ${ids.user}`;
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

const userPages = () => ['/', '/keys', '/keys/new', '/topup', '/logs', '/models', '/playground', '/account'];
/** Alice's own key and call: only their owner opens them from the user side. */
const ownerPages = () => [`/keys/${ids.key}`, `/logs/${ids.request}`];
const adminPages = () => [
	'/admin',
	'/admin/channels',
	'/admin/channels/new',
	`/admin/channels/${ids.channel}`,
	'/admin/users',
	`/admin/users/${ids.user}`,
	'/admin/prices',
	'/admin/redemptions',
	'/admin/payments',
	'/admin/logs',
	`/admin/logs/${ids.request}`,
	'/admin/settings',
	'/admin/settings/import',
	'/admin/tokens'
];

/** Visible text of the page that is a catalogue key name: a message that was not rendered. */
async function keyNamesShown(page: Page): Promise<string[]> {
	const text = await page.evaluate(() => document.body.innerText);
	return catalogueKeys.filter((key) => new RegExp(`\\b${key}\\b`).test(text));
}

async function checkPage(page: Page, path: string, locale: 'en' | 'zh-CN', shotName: string): Promise<void> {
	const response = await page.goto(`${server.url}${path}`);
	expect(response?.status(), `${path} answers`).toBe(200);
	expect(await page.locator('html').getAttribute('lang')).toBe(locale);
	expect(await keyNamesShown(page), `catalogue keys shown on ${path}`).toEqual([]);
	if (locale === 'zh-CN') expect(await page.title(), `title of ${path}`).toMatch(/\p{Script=Han}/u);
	for (const viewport of [DESKTOP, PHONE]) {
		await page.setViewportSize(viewport);
		await expectFitsViewport(page, `${path} at ${viewport.width} px`);
		await expectAccessible(page);
	}
	await page.setViewportSize(DESKTOP);
	await page.emulateMedia({ colorScheme: 'dark' });
	await expectAccessible(page);
	await page.emulateMedia({ colorScheme: 'light' });
	if (locale === 'zh-CN') await screenshots(page, shotName);
}

for (const locale of ['en', 'zh-CN'] as const) {
	describe(`every page in ${locale}`, () => {
		test('the sign-in and registration pages', async () => {
			const context = await browser.newContext({ locale, extraHTTPHeaders: { 'accept-language': locale } });
			const page = await context.newPage();
			for (const path of ['/login', '/register']) await checkPage(page, path, locale, `every-${locale}${path.replaceAll('/', '-')}`);
			await context.close();
		}, 300_000);

		test("a user's pages", async () => {
			const { context, page } = await signedIn(browser, server.url, 'alice', 'alice-password-1', { locale });
			for (const path of [...userPages(), ...ownerPages()]) await checkPage(page, path, locale, `every-${locale}-user${path.replaceAll('/', '-')}`);
			await context.close();
		}, 600_000);

		test("root's pages, its own and administration", async () => {
			const { context, page } = await signedIn(browser, server.url, 'root', 'root-password-1', { locale });
			for (const path of [...userPages(), ...adminPages()]) await checkPage(page, path, locale, `every-${locale}-root${path.replaceAll('/', '-')}`);
			await context.close();
		}, 900_000);
	});
}
