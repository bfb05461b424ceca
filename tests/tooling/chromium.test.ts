import { describe, expect, test } from 'vitest';
import { projectRoot } from '../../scripts/build-state';
import { DEBIAN_CHROMIUM, ensureChromium, MISSING_CHROMIUM, planChromium, selectsBrowserTests, type Machine } from '../../scripts/chromium';

/** A machine where only `present` exist; nothing here touches the real one. */
function machine(present: string[], { isRoot = false, hasAptGet = true } = {}): Machine & { files: Set<string> } {
	const files = new Set(present);
	return { files, exists: (path) => files.has(path), isRoot, hasAptGet };
}

describe('planChromium', () => {
	test('Debian’s Chromium, when installed, is used', () => {
		expect(planChromium({}, machine([DEBIAN_CHROMIUM]))).toEqual({ action: 'use', path: DEBIAN_CHROMIUM });
	});

	test('missing, as root with apt-get: install it', () => {
		expect(planChromium({}, machine([], { isRoot: true }))).toEqual({ action: 'install', path: DEBIAN_CHROMIUM });
	});

	test('missing, not root: stop with the one line that says what to do', () => {
		expect(planChromium({}, machine([]))).toEqual({ action: 'stop', message: MISSING_CHROMIUM });
		expect(MISSING_CHROMIUM).toBe('Browser tests need Chromium: run `sudo apt-get install chromium` or set CHROMIUM_PATH');
	});

	test('CHROMIUM_PATH is used when it exists, and never replaced by an install when it does not', () => {
		const env = { CHROMIUM_PATH: '/opt/chrome/chrome' };
		expect(planChromium(env, machine(['/opt/chrome/chrome'], { isRoot: true }))).toEqual({ action: 'use', path: '/opt/chrome/chrome' });
		const plan = planChromium(env, machine([DEBIAN_CHROMIUM], { isRoot: true }));
		expect(plan).toMatchObject({ action: 'stop' });
		expect(plan.action === 'stop' && plan.message).toContain('CHROMIUM_PATH (/opt/chrome/chrome) does not exist');
	});

	test('without apt-get, root or not, there is nothing to install with', () => {
		expect(planChromium({}, machine([], { isRoot: true, hasAptGet: false }))).toMatchObject({ action: 'stop' });
	});
});

describe('ensureChromium', () => {
	/** Records the commands and "installs" the browser when `apt-get install` succeeds. */
	function fakeApt(m: ReturnType<typeof machine>, exitCodes: number[]) {
		const commands: string[] = [];
		const run = async (_label: string, command: string[]) => {
			commands.push(command.join(' '));
			const code = exitCodes.shift() ?? 0;
			if (code === 0 && command[1] === 'install') m.files.add(DEBIAN_CHROMIUM);
			return code;
		};
		return { commands, run };
	}

	test('as root it installs Chromium, refreshing the package lists only when the first try fails', async () => {
		const first = machine([], { isRoot: true });
		const apt = fakeApt(first, [0]);
		expect(await ensureChromium({}, first, apt.run)).toBeUndefined();
		expect(apt.commands).toEqual(['apt-get install -y chromium']);

		const stale = machine([], { isRoot: true });
		const retried = fakeApt(stale, [100, 0, 0]);
		expect(await ensureChromium({}, stale, retried.run)).toBeUndefined();
		expect(retried.commands).toEqual(['apt-get install -y chromium', 'apt-get update', 'apt-get install -y chromium']);
	});

	test('an install that fails, or leaves no browser behind, ends in the instruction', async () => {
		const broken = machine([], { isRoot: true });
		const apt = fakeApt(broken, [100, 100]);
		expect(await ensureChromium({}, broken, apt.run)).toBe(`Could not install Chromium (see above): ${MISSING_CHROMIUM}`);
		expect(apt.commands).toEqual(['apt-get install -y chromium', 'apt-get update']);

		const elsewhere = machine([], { isRoot: true });
		const run = async () => 0; // "succeeds" without putting chromium where we look
		expect(await ensureChromium({}, elsewhere, run)).toContain('Could not install Chromium');
	});

	test('not root, or already there: nothing is run', async () => {
		const apt = fakeApt(machine([]), []);
		expect(await ensureChromium({}, machine([]), apt.run)).toBe(MISSING_CHROMIUM);
		expect(await ensureChromium({}, machine([DEBIAN_CHROMIUM], { isRoot: true }), apt.run)).toBeUndefined();
		expect(apt.commands).toEqual([]);
	});
});

test('browser tests are selected without file filters, or by a filter in their path', () => {
	const files = ['tests/e2e/auth.browser.test.ts', 'tests/e2e/shell.browser.test.ts'];
	expect(selectsBrowserTests([], files, projectRoot)).toBe(true);
	expect(selectsBrowserTests(['--reporter=dot'], files, projectRoot)).toBe(true);
	expect(selectsBrowserTests(['tests/e2e'], files, projectRoot)).toBe(true);
	expect(selectsBrowserTests(['./tests/e2e/auth.browser.test.ts'], files, projectRoot)).toBe(true);
	expect(selectsBrowserTests([`${projectRoot}/tests/e2e/shell`], files, projectRoot)).toBe(true);
	expect(selectsBrowserTests(['tests/db', 'tests/billing'], files, projectRoot)).toBe(false);
});

test('`bun run test` stops at once, before building, when the browser tests cannot have Chromium', () => {
	const run = Bun.spawnSync(['bun', 'scripts/test.ts', 'all'], {
		cwd: projectRoot,
		env: { PATH: process.env.PATH, HOME: process.env.HOME, CHROMIUM_PATH: '/nonexistent/chromium' }
	});
	expect(run.exitCode).toBe(1);
	expect(run.stdout.toString()).toBe('');
	expect(run.stderr.toString().trim().split('\n')).toEqual([
		'Browser tests need Chromium, but CHROMIUM_PATH (/nonexistent/chromium) does not exist: fix it, or unset it to use /usr/bin/chromium'
	]);
});
