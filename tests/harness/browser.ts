import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';
import { vi } from 'vitest';
import { chromiumPath, MISSING_CHROMIUM } from '../../scripts/chromium';

// A browser test walks a whole journey (several sign-ins, each an argon2id hash, pages, an
// accessibility scan): on a busy 2-core machine one can take most of the suite's 30 s default.
// It waits on conditions, never on time, so a longer ceiling only spares it a false failure.
vi.setConfig({ testTimeout: 120_000 });

/** Debian's chromium (apt-get install chromium), or CHROMIUM_PATH; `bun run test` installs it as root. */
export async function launchBrowser(): Promise<Browser> {
	const executablePath = chromiumPath();
	if (!existsSync(executablePath)) throw new Error(`${MISSING_CHROMIUM} (looked for ${executablePath})`);
	return chromium.launch({
		executablePath,
		args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run']
	});
}
