import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';
import { chromiumPath, MISSING_CHROMIUM } from '../../scripts/chromium';

/** Debian's chromium (apt-get install chromium), or CHROMIUM_PATH; `bun run test` installs it as root. */
export async function launchBrowser(): Promise<Browser> {
	const executablePath = chromiumPath();
	if (!existsSync(executablePath)) throw new Error(`${MISSING_CHROMIUM} (looked for ${executablePath})`);
	return chromium.launch({
		executablePath,
		args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run']
	});
}
