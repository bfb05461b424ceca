import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { ApiClient } from '../harness/api-client';
import { launchBrowser } from '../harness/browser';
import { freshDatabase, type TestDatabase } from '../harness/database';
import { startMockUpstream, type MockUpstream } from '../harness/mock-upstream';
import { startServer, type TestServer } from '../harness/server';
import { expectAccessible, expectFitsViewport, screenshots, signedIn, stopTransitions } from '../harness/ui';

// The playground: Markdown replies rendered safely, temperature and max tokens, regenerate,
// the conversation kept in the browser, the cost read without 404s, in both languages.
const ADMIN_TOKEN = 'playground-admin-token-0123456789abcdef';
const MODEL = 'gpt-4o-mini';
const CODE = "const greeting = '<b>hi</b>';\nconsole.log(greeting);";
const HOSTILE_REPLY = [
	'Here is **bold text** and `inline code`.',
	'',
	'```js',
	CODE,
	'```',
	'',
	"<script>window.__pwned = true; document.title = 'pwned';</script>",
	'',
	'<img src="x" onerror="window.__pwned = true; document.title = \'pwned\'">',
	'',
	'[bad link](javascript:window.__pwned=true) and [good link](https://example.com/docs)'
].join('\n');

let db: TestDatabase;
let mock: MockUpstream;
let server: TestServer;
let browser: Browser;
let api: ApiClient;
let pat: { id: number };
const keys: Record<string, { id: number; prefix: string }> = {};

async function makeKey(name: string, userId: number) {
	const res = await api.post('/api/keys', { name, userId });
	expect(res.status).toBe(201);
	return { id: res.body.apiKey.id as number, prefix: res.body.apiKey.prefix as string };
}

/** The chat completions the mock upstream received, oldest first. */
function chatBodies(): Array<Record<string, unknown>> {
	return mock.requests.filter((r) => r.path.endsWith('/chat/completions')).map((r) => r.body as Record<string, unknown>);
}

/** Records every 404 the page receives and every cost request it makes. */
function watch(page: Page) {
	const notFound: string[] = [];
	const costRequests: string[] = [];
	page.on('response', (res) => {
		if (res.status() === 404) notFound.push(res.url());
	});
	page.on('request', (req) => {
		if (req.method() === 'GET' && new URL(req.url()).pathname === '/playground/chat') costRequests.push(req.url());
	});
	return { notFound, costRequests };
}

/** Opens the playground and waits until it took over (the kept conversation restored). */
async function open(page: Page) {
	await page.goto(`${server.url}/playground`);
	await expect.poll(() => page.getByLabel('Message').isEnabled()).toBe(true);
}

async function ask(page: Page, text: string) {
	const replies = await page.getByTestId('assistant-message').count();
	await page.getByLabel('Message').fill(text);
	await page.getByLabel('Message').press('Enter');
	const reply = page.getByTestId('assistant-message').nth(replies);
	await reply.getByTestId('reply-cost').waitFor();
	return reply;
}

/** A signed-in context whose browser asks for Chinese (Accept-Language), signed in through the Chinese form. */
async function signedInChinese(username: string, password: string, viewport = { width: 1280, height: 860 }): Promise<{ context: BrowserContext; page: Page }> {
	const context = await browser.newContext({ locale: 'zh-CN', viewport });
	const page = await context.newPage();
	page.setDefaultTimeout(10_000);
	await page.goto(`${server.url}/login`);
	await page.locator('input[name="username"]').fill(username);
	await page.locator('input[name="password"]').fill(password);
	await page.getByRole('button', { name: '登录', exact: true }).click();
	await page.waitForURL((url) => !url.pathname.startsWith('/login'));
	return { context, page };
}

beforeAll(async () => {
	db = await freshDatabase();
	mock = await startMockUpstream();
	server = await startServer({ env: { DATABASE_URL: db.url, ELYGATE_ROOT_PASSWORD: 'root-password-1', ELYGATE_ADMIN_TOKEN: ADMIN_TOKEN } });
	api = new ApiClient(server.url, { bearer: ADMIN_TOKEN });
	expect((await api.post('/api/channels', { type: 'openai', name: 'mock', baseUrl: mock.url, models: [MODEL], keys: ['sk-upstream-playground-0001'] })).status).toBe(201);
	expect((await api.post('/api/prices', { model: MODEL, modelRatio: 2.5, completionRatio: 4 })).status).toBe(200);
	const a = await api.post('/api/users', { username: 'pat', password: 'pat-password-1', quota: 5_000_000 });
	const b = await api.post('/api/users', { username: 'quinn', password: 'quinn-password-1', quota: 5_000_000 });
	expect([a.status, b.status]).toEqual([201, 201]);
	pat = { id: a.body.id };
	keys.main = await makeKey('main', a.body.id);
	keys.spare = await makeKey('spare', a.body.id);
	keys.quinn = await makeKey('quinns', b.body.id);
	browser = await launchBrowser();
});

afterAll(async () => {
	await browser?.close();
	await server?.stop();
	await mock?.close();
	await db?.drop();
});

test('a Markdown reply is rendered; a <script> or onerror in it neither runs nor becomes an element; code blocks copy; no 404 on the way', async () => {
	const { context, page } = await signedIn(browser, server.url, 'pat', 'pat-password-1');
	await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: server.url });
	const seen = watch(page);
	const violations: string[] = [];
	page.on('console', (message) => {
		if (/content security policy/i.test(message.text())) violations.push(message.text());
	});
	await page.addInitScript(() => {
		document.addEventListener('securitypolicyviolation', (e) => console.error(`Content Security Policy violation: ${e.violatedDirective} ${e.blockedURI}`));
	});
	await open(page);
	expect(await page.title()).toBe('Playground · Elygate');

	mock.enqueue({ kind: 'ok', content: HOSTILE_REPLY, chunks: 7 });
	const reply = await ask(page, 'Show me some Markdown');
	const text = reply.getByTestId('reply-text');

	// Rendered: bold, inline code, a code block with its text exactly.
	expect(await text.locator('strong').first().textContent()).toBe('bold text');
	expect(await text.locator('p > code').first().textContent()).toBe('inline code');
	expect(await text.locator('pre code').textContent()).toBe(CODE);
	expect(await text.locator('pre b').count()).toBe(0);

	// The script and the onerror handler: shown as the text the model wrote, never run.
	expect(await page.locator('[data-testid="conversation"] script, [data-testid="conversation"] img, [data-testid="conversation"] iframe').count()).toBe(0);
	expect(await text.textContent()).toContain("<script>window.__pwned = true; document.title = 'pwned';</script>");
	expect(await page.evaluate(() => (window as unknown as { __pwned?: boolean }).__pwned)).toBeUndefined();
	expect(await page.title()).toBe('Playground · Elygate');
	const handlers = await page.evaluate(() =>
		[...document.querySelectorAll('[data-testid="conversation"] *')].flatMap((el) => [...el.attributes].filter((a) => a.name.startsWith('on')).map((a) => a.name))
	);
	expect(handlers).toEqual([]);

	// The javascript: link has no address; the good one opens in a new tab without the opener.
	expect(await text.getByText('bad link').evaluate((el) => el.closest('a')?.getAttribute('href') ?? null)).toBeNull();
	const good = text.getByRole('link', { name: 'good link' });
	expect(await good.getAttribute('href')).toBe('https://example.com/docs');
	expect(await good.getAttribute('target')).toBe('_blank');
	expect(await good.getAttribute('rel')).toBe('noopener noreferrer');

	// The code block's copy button puts exactly the code on the clipboard.
	const copy = text.getByRole('button', { name: 'Copy code' });
	await copy.click();
	await expect.poll(() => page.evaluate(() => navigator.clipboard.readText())).toBe(CODE);
	expect(await text.getByRole('button', { name: 'Copied' }).count()).toBe(1);

	// The cost: one request for the one reply, answered 200; nothing on the page was a 404.
	expect(await reply.getByTestId('reply-cost').textContent()).toMatch(/^Cost \$/);
	expect(seen.costRequests).toHaveLength(1);
	expect(seen.notFound).toEqual([]);
	// Rendering and sanitizing ran under the page's CSP (script-src 'self', no eval) without a violation.
	expect(violations).toEqual([]);
	await expectAccessible(page);
	await screenshots(page, 'playground-markdown');

	// Asked directly: a call with no log row is `pending` (200), a malformed id is refused.
	const pending = await page.request.get(`${server.url}/playground/chat?requestId=req_00000000000000000000000000`);
	expect(pending.status()).toBe(200);
	expect(await pending.json()).toEqual({ state: 'pending', requestId: 'req_00000000000000000000000000' });
	const bad = await page.request.get(`${server.url}/playground/chat?requestId=nope`);
	expect(bad.status()).toBe(400);
	expect((await bad.json()).error.message).toBe('Use the request id of the call.');
	await context.close();
});

test('temperature and max tokens are checked beside their fields, then sent to the relay', async () => {
	const { context, page } = await signedIn(browser, server.url, 'pat', 'pat-password-1');
	await open(page);
	const before = chatBodies().length;

	const temperature = page.getByLabel('Temperature');
	const maxTokens = page.getByLabel('Max tokens');
	await temperature.fill('5');
	await maxTokens.fill('2.5');
	await page.getByLabel('Message').fill('Too hot');
	await page.getByRole('button', { name: 'Send' }).click();
	await expect.poll(() => temperature.getAttribute('aria-invalid')).toBe('true');
	expect(await page.locator(`#${await temperature.getAttribute('aria-describedby')}`).textContent()).toBe('Use a number from 0 to 2, or leave it empty.');
	expect(await maxTokens.getAttribute('aria-invalid')).toBe('true');
	expect(await page.locator(`#${await maxTokens.getAttribute('aria-describedby')}`).textContent()).toBe('Use a whole number from 1 to 1,000,000, or leave it empty.');
	// Nothing was sent, and the message is still there to send once fixed.
	expect(chatBodies()).toHaveLength(before);
	expect(await page.getByLabel('Message').inputValue()).toBe('Too hot');

	await temperature.fill('0.3');
	await maxTokens.fill('64');
	mock.enqueue({ kind: 'ok', content: 'Cool and short.' });
	await page.getByRole('button', { name: 'Send' }).click();
	await page.getByTestId('reply-cost').last().waitFor();
	expect(await temperature.getAttribute('aria-invalid')).toBeNull();
	const sent = chatBodies().at(-1)!;
	expect(sent.temperature).toBe(0.3);
	expect(sent.max_tokens).toBe(64);
	expect(sent.stream).toBe(true);

	// Emptied: the model's defaults, so no temperature is sent.
	await temperature.fill('');
	await maxTokens.fill('');
	await ask(page, 'Defaults now');
	expect('temperature' in chatBodies().at(-1)!).toBe(false);

	// Signed out meanwhile (here: every session of pat ended): the reply says so, nothing is sent.
	const sent2 = chatBodies().length;
	await db.sql`delete from sessions where user_id = ${pat.id}`;
	await page.getByLabel('Message').fill('Still there?');
	await page.getByRole('button', { name: 'Send' }).click();
	await expect.poll(async () => (await page.getByTestId('reply-failure').last().textContent())?.trim()).toBe('You were signed out. Sign in again to go on.');
	expect(chatBodies()).toHaveLength(sent2);
	await context.close();
});

test('the conversation and settings survive leaving for /keys and a reload; regenerate replaces the last answer; New chat clears it; each user has their own', async () => {
	const { context, page } = await signedIn(browser, server.url, 'pat', 'pat-password-1');
	const seen = watch(page);
	await open(page);
	await page.getByLabel('Bill to key').selectOption({ label: `spare (${keys.spare!.prefix}…)` });
	await page.getByLabel('System prompt').fill('Be brief.');
	await page.getByLabel('Temperature').fill('0.7');
	await page.getByLabel('Max tokens').fill('128');
	mock.enqueue({ kind: 'ok', content: 'First answer.' });
	await ask(page, 'Remember me');
	expect(await page.getByTestId('reply-text').textContent()).toBe('First answer.');

	// Away to the keys page by the menu (a client-side navigation) and back.
	const nav = page.getByRole('navigation', { name: 'Main' }).first();
	await nav.getByRole('link', { name: 'API keys' }).click();
	await page.waitForURL(`${server.url}/keys`);
	await nav.getByRole('link', { name: 'Playground' }).click();
	await page.waitForURL(`${server.url}/playground`);
	const kept = async () => {
		await expect.poll(() => page.getByTestId('user-message').allTextContents()).toEqual(['Remember me']);
		expect(await page.getByTestId('reply-text').allTextContents()).toEqual(['First answer.']);
		expect(await page.getByLabel('Bill to key').inputValue()).toBe(String(keys.spare!.id));
		expect(await page.getByLabel('System prompt').inputValue()).toBe('Be brief.');
		expect(await page.getByLabel('Temperature').inputValue()).toBe('0.7');
		expect(await page.getByLabel('Max tokens').inputValue()).toBe('128');
		expect(await page.getByTestId('reply-cost').count()).toBe(1);
	};
	await kept();
	await page.reload();
	await kept();

	// Regenerate: the same conversation is asked again and the new answer takes the old one's place.
	mock.enqueue({ kind: 'ok', content: 'Second answer.' });
	const asked = chatBodies().length;
	await page.getByTestId('regenerate').click();
	await expect.poll(() => page.getByTestId('reply-text').allTextContents()).toEqual(['Second answer.']);
	await page.getByTestId('reply-cost').waitFor();
	expect(await page.getByTestId('assistant-message').count()).toBe(1);
	const [first, again] = chatBodies().slice(asked - 1);
	expect(again!.messages).toEqual(first!.messages);
	expect(again!.messages).toEqual([
		{ role: 'system', content: 'Be brief.' },
		{ role: 'user', content: 'Remember me' }
	]);
	expect(again!.temperature).toBe(0.7);
	// The regenerated answer is what is kept.
	await page.reload();
	await expect.poll(() => page.getByTestId('reply-text').allTextContents()).toEqual(['Second answer.']);
	// The next turn carries the kept answer as history.
	mock.enqueue({ kind: 'ok', content: 'Third answer.' });
	await ask(page, 'And then?');
	expect(chatBodies().at(-1)!.messages).toEqual([
		{ role: 'system', content: 'Be brief.' },
		{ role: 'user', content: 'Remember me' },
		{ role: 'assistant', content: 'Second answer.' },
		{ role: 'user', content: 'And then?' }
	]);
	const [row] = await db.sql<{ api_key_id: number }[]>`select api_key_id from request_logs where user_id = ${pat.id} order by request_id desc limit 1`;
	expect(row!.api_key_id).toBe(keys.spare!.id);
	expect(seen.notFound).toEqual([]);

	// Another user in the same browser starts with nothing of pat's.
	await page.getByRole('button', { name: 'Sign out' }).click();
	await page.waitForURL(/\/login/);
	await page.getByLabel('Username').fill('quinn');
	await page.getByLabel('Password').fill('quinn-password-1');
	await page.getByRole('button', { name: 'Sign in' }).click();
	await page.waitForURL((url) => !url.pathname.startsWith('/login'));
	await open(page);
	expect(await page.getByTestId('user-message').count()).toBe(0);
	expect(await page.getByLabel('System prompt').inputValue()).toBe('');
	await context.close();

	// New chat clears the conversation (the settings stay), and a reload does not bring it back.
	const again2 = await signedIn(browser, server.url, 'pat', 'pat-password-1');
	// A fresh browser has its own storage: nothing kept there either.
	await open(again2.page);
	expect(await again2.page.getByTestId('user-message').count()).toBe(0);
	mock.enqueue({ kind: 'ok', content: 'Only answer.' });
	await ask(again2.page, 'One question');
	await again2.page.getByTestId('new-chat').click();
	expect(await again2.page.getByTestId('user-message').count()).toBe(0);
	await open(again2.page);
	expect(await again2.page.getByTestId('assistant-message').count()).toBe(0);
	await again2.context.close();
});

test('in Chinese: the page, its checks beside the fields and the reply, on a phone without sideways scrolling', async () => {
	const { context, page } = await signedInChinese('pat', 'pat-password-1', { width: 390, height: 844 });
	await page.goto(`${server.url}/playground`);
	await expect.poll(() => page.getByLabel('消息').isEnabled()).toBe(true);
	expect(await page.title()).toBe('操练场 · Elygate');
	expect(await page.locator('html').getAttribute('lang')).toBe('zh-CN');
	expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('操练场');
	const temperature = page.getByLabel('温度');
	await temperature.fill('9');
	await page.getByLabel('消息').fill('你好');
	await page.getByRole('button', { name: '发送' }).click();
	await expect.poll(() => temperature.getAttribute('aria-invalid')).toBe('true');
	expect(await page.locator(`#${await temperature.getAttribute('aria-describedby')}`).textContent()).toBe('请输入 0 到 2 之间的数字，或留空。');
	await temperature.fill('');
	// A long code line scrolls inside its block, not the page.
	mock.enqueue({ kind: 'ok', content: `好的：\n\n\`\`\`\n${'x'.repeat(400)}\n\`\`\`` });
	await page.getByRole('button', { name: '发送' }).click();
	await page.getByTestId('reply-cost').waitFor();
	expect(await page.getByTestId('reply-cost').textContent()).toMatch(/^费用 US\$/);
	expect(await page.getByRole('button', { name: '复制代码' }).count()).toBe(1);
	expect(await page.getByTestId('regenerate').textContent()).toBe('重新生成');
	const body = (await page.locator('body').textContent()) ?? '';
	expect(body).not.toMatch(/\bplayground_[a-z_]+/);
	await stopTransitions(page);
	for (const scheme of ['light', 'dark'] as const) {
		await page.emulateMedia({ colorScheme: scheme });
		await expectFitsViewport(page, `/playground, ${scheme}`);
	}
	await page.setViewportSize({ width: 1280, height: 860 });
	await expectFitsViewport(page, '/playground at 1280 px');
	await expectAccessible(page);
	await screenshots(page, 'playground-zh');
	await context.close();
});
