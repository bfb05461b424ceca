import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { expect } from 'vitest';
import { projectRoot } from '../../scripts/build-state';

/** Where browser tests leave their screenshots for a person to look at (git-ignored). */
export const SCREENSHOT_DIR = join(projectRoot, 'test-results', 'screenshots');

const PHONE = { width: 390, height: 844 };
const NO_TRANSITIONS = '*, *::before, *::after { transition: none !important; animation: none !important; }';

/** Colours then stay as they end up: a screenshot or a contrast check never catches a transition half-way. */
export async function stopTransitions(page: Page): Promise<void> {
	await page.addStyleTag({ content: NO_TRANSITIONS });
}

/** The page is no wider than the window it is shown in (nothing scrolls sideways). */
export async function expectFitsViewport(page: Page, label: string): Promise<void> {
	const { scrollWidth, innerWidth } = await page.evaluate(() => ({ scrollWidth: document.documentElement.scrollWidth, innerWidth: window.innerWidth }));
	expect(scrollWidth, `${label}: ${scrollWidth}px wide in a ${innerWidth}px window`).toBeLessThanOrEqual(innerWidth);
}
const DESKTOP = { width: 1280, height: 860 };

/**
 * Three screenshots of the page as it is now: light, dark, and dark on a phone-sized viewport
 * (`<name>-light.png`, `-dark.png`, `-phone.png`). The theme follows the device preference
 * unless the viewer chose one, so the preference is emulated.
 */
export async function screenshots(page: Page, name: string): Promise<void> {
	mkdirSync(SCREENSHOT_DIR, { recursive: true });
	const file = (suffix: string) => join(SCREENSHOT_DIR, `${name.replace(/[^\w.-]+/g, '_')}-${suffix}.png`);
	await stopTransitions(page);
	await page.setViewportSize(DESKTOP);
	await page.emulateMedia({ colorScheme: 'light' });
	await page.screenshot({ path: file('light'), fullPage: true });
	await page.emulateMedia({ colorScheme: 'dark' });
	await page.screenshot({ path: file('dark'), fullPage: true });
	await page.setViewportSize(PHONE);
	await page.screenshot({ path: file('phone'), fullPage: true });
	await page.setViewportSize(DESKTOP);
	await page.emulateMedia({ colorScheme: 'light' });
}

const axeSource = createRequire(import.meta.url).resolve('axe-core/axe.min.js');

interface AxeViolation {
	id: string;
	impact: string | null;
	help: string;
	nodes: Array<{ target: unknown[] }>;
}

/** Runs axe-core on the page and fails on any serious or critical violation (listed by rule and element). */
export async function expectAccessible(page: Page): Promise<void> {
	await stopTransitions(page);
	// Evaluated rather than added as a <script>: the console's CSP allows no inline script.
	await page.evaluate(readFileSync(axeSource, 'utf8'));
	const violations = (await page.evaluate(async () => {
		const axe = (globalThis as unknown as { axe: { run: (ctx: Document, opts: unknown) => Promise<{ violations: unknown[] }> } }).axe;
		const result = await axe.run(document, { resultTypes: ['violations'] });
		return result.violations;
	})) as AxeViolation[];
	const serious = violations
		.filter((v) => v.impact === 'serious' || v.impact === 'critical')
		.map((v) => `${v.id} (${v.impact}): ${v.help} — ${v.nodes.map((n) => JSON.stringify(n.target)).join(', ')}`);
	expect(serious, `accessibility violations on ${page.url()}`).toEqual([]);
}

/** How a test browser presents itself: the languages it asks for, its time zone, whether it runs scripts. */
export interface ViewerOptions {
	javaScript?: boolean;
	/** Sent as Accept-Language (and the browser's own locale), e.g. 'zh-CN'. */
	locale?: string;
	timezoneId?: string;
}

export function newViewerContext(browser: Browser, opts: ViewerOptions = {}): Promise<BrowserContext> {
	return browser.newContext({
		javaScriptEnabled: opts.javaScript ?? true,
		viewport: DESKTOP,
		...(opts.locale ? { locale: opts.locale, extraHTTPHeaders: { 'accept-language': opts.locale } } : {}),
		...(opts.timezoneId ? { timezoneId: opts.timezoneId } : {})
	});
}

/**
 * A browser context signed in as `username` through the login form. The fields are found by
 * name, so it works in every console language.
 */
export async function signedIn(browser: Browser, baseUrl: string, username: string, password: string, opts: ViewerOptions = {}): Promise<{ context: BrowserContext; page: Page }> {
	const context = await newViewerContext(browser, opts);
	const page = await context.newPage();
	page.setDefaultTimeout(10_000);
	await page.goto(`${baseUrl}/login`);
	await page.locator('input[name="username"]').fill(username);
	await page.locator('input[name="password"]').fill(password);
	await page.locator('form[method="POST"] button.btn-primary').click();
	await page.waitForURL((url) => !url.pathname.startsWith('/login'));
	return { context, page };
}

export { DESKTOP, PHONE };
