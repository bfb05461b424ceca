/**
 * The browser tests drive Debian's Chromium (or the one CHROMIUM_PATH names). Before a test
 * run that includes them, `bun run test` makes sure it is there: as root on a machine with
 * apt-get it installs it, as CI does; otherwise it stops at once with the one line that says
 * what to do, rather than failing every browser test.
 */
import { existsSync } from 'node:fs';
import { isAbsolute, relative } from 'node:path';
import { runQuietly } from './quiet-run';

export const DEBIAN_CHROMIUM = '/usr/bin/chromium';

type Env = Record<string, string | undefined>;

export function chromiumPath(env: Env = process.env): string {
	return env.CHROMIUM_PATH?.trim() || DEBIAN_CHROMIUM;
}

export const MISSING_CHROMIUM = 'Browser tests need Chromium: run `sudo apt-get install chromium` or set CHROMIUM_PATH';

export interface Machine {
	exists(path: string): boolean;
	isRoot: boolean;
	hasAptGet: boolean;
}

export type ChromiumPlan = { action: 'use'; path: string } | { action: 'install'; path: string } | { action: 'stop'; message: string };

export function planChromium(env: Env, machine: Machine): ChromiumPlan {
	const path = chromiumPath(env);
	if (machine.exists(path)) return { action: 'use', path };
	// A path chosen on purpose is not replaced by another browser behind the user's back.
	if (env.CHROMIUM_PATH?.trim()) {
		return { action: 'stop', message: `Browser tests need Chromium, but CHROMIUM_PATH (${path}) does not exist: fix it, or unset it to use ${DEBIAN_CHROMIUM}` };
	}
	if (!machine.hasAptGet) return { action: 'stop', message: 'Browser tests need Chromium: install it and set CHROMIUM_PATH to its executable' };
	return machine.isRoot ? { action: 'install', path } : { action: 'stop', message: MISSING_CHROMIUM };
}

/** Runs a command quietly and resolves with its exit code. */
export type Runner = (label: string, command: string[]) => Promise<number>;

const quietly: Runner = async (label, command) => (await runQuietly({ label, command })).exitCode;

export function thisMachine(): Machine {
	return { exists: existsSync, isRoot: process.getuid?.() === 0, hasAptGet: Bun.which('apt-get') !== null };
}

/**
 * Makes Chromium available, installing it when that is ours to do. Resolves with nothing
 * when the browser is there, or with the one line to show before stopping.
 */
export async function ensureChromium(env: Env = process.env, machine = thisMachine(), run: Runner = quietly): Promise<string | undefined> {
	const plan = planChromium(env, machine);
	if (plan.action === 'use') return undefined;
	if (plan.action === 'stop') return plan.message;
	const label = 'Installing Chromium for the browser tests (apt-get install chromium)';
	const install = ['apt-get', 'install', '-y', 'chromium'];
	// A fresh machine's package lists may be missing or stale: refresh them once and retry.
	const installed =
		(await run(label, install)) === 0 ||
		((await run('Updating the package lists (apt-get update)', ['apt-get', 'update'])) === 0 && (await run(label, install)) === 0);
	if (installed && machine.exists(plan.path)) return undefined;
	return `Could not install Chromium (see above): ${MISSING_CHROMIUM}`;
}

/**
 * Whether a run with these vitest arguments includes a browser test: yes without file
 * filters; with them, when one is part of a browser test's path (vitest's own rule).
 */
export function selectsBrowserTests(args: string[], browserTestFiles: string[], root: string): boolean {
	const filters = args.filter((a) => !a.startsWith('-')).map((f) => (isAbsolute(f) ? relative(root, f) : f).replace(/^\.\//, ''));
	return filters.length === 0 || browserTestFiles.some((file) => filters.some((f) => file.includes(f)));
}
