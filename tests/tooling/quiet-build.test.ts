import { describe, expect, test } from 'vitest';
import { buildIfNeeded, type BuildState } from '../../scripts/build-state';
import { runQuietly, type Output } from '../../scripts/quiet-run';

/** What a person would see on a non-terminal stdout. */
function screen(): Output & { text: () => string } {
	let text = '';
	return { write: (chunk: string) => (text += chunk), isTTY: false, text: () => text };
}

/** A command as chatty as a Vite build: 100 lines on stdout, 3 on stderr, then `exitCode`. */
function noisyCommand(exitCode: number): string[] {
	const script = `
		for (let i = 1; i <= 100; i++) console.log('transforming module ' + i);
		console.error('warning: chunk larger than 500 kB');
		console.log('Run npm run preview to preview your production build locally.');
		console.error('error: something broke');
		console.error('last line of the build');
		process.exit(${exitCode});`;
	return ['bun', '-e', script];
}

describe('runQuietly', () => {
	test('a success shows one progress line and none of the output', async () => {
		const out = screen();
		const result = await runQuietly({ label: 'Building Elygate', command: noisyCommand(0), out });
		expect(result.exitCode).toBe(0);
		expect(out.text()).toMatch(/^Building Elygate… done in \d+ s\n$/);
		expect(result.output).toContain('transforming module 100'); // captured, just not shown
	});

	test('a failure shows the whole output, both streams, after the progress line', async () => {
		const out = screen();
		const result = await runQuietly({ label: 'Building Elygate', command: noisyCommand(3), out });
		expect(result.exitCode).toBe(3);
		const [first, ...rest] = out.text().split('\n');
		expect(first).toMatch(/^Building Elygate… failed after \d+ s \(exit 3\):$/);
		const shown = rest.join('\n');
		for (let i = 1; i <= 100; i++) expect(shown).toContain(`transforming module ${i}\n`);
		for (const line of ['warning: chunk larger than 500 kB', 'Run npm run preview', 'error: something broke', 'last line of the build']) {
			expect(shown).toContain(line);
		}
		expect(shown).toBe(result.output);
	});

	test('a command that cannot start is a failure with the reason shown', async () => {
		const out = screen();
		const result = await runQuietly({ label: 'Building Elygate', command: ['/nonexistent/build-tool'], out });
		expect(result.exitCode).not.toBe(0);
		expect(out.text()).toMatch(/^Building Elygate… failed after \d+ s \(exit \d+\):\n.+/);
	});
});

describe('buildIfNeeded', () => {
	const stateAfter = (...states: BuildState[]) => () => states.shift() ?? 'fresh';

	test('builds quietly when the build is missing, and reports a failing build in full', async () => {
		const ok = screen();
		expect(await buildIfNeeded({ state: stateAfter('missing', 'missing'), command: noisyCommand(0), out: ok })).toBe(0);
		expect(ok.text()).toMatch(/^Building Elygate… done in \d+ s\n$/);

		const failed = screen();
		expect(await buildIfNeeded({ state: stateAfter('stale', 'stale'), command: noisyCommand(2), out: failed })).toBe(2);
		expect(failed.text()).toMatch(/^Sources changed: rebuilding Elygate… failed after \d+ s \(exit 2\):\n/);
		expect(failed.text()).toContain('transforming module 1\n');
		expect(failed.text()).toContain('last line of the build');
	});

	test('a fresh build, or one finished by someone else while we waited for the lock, runs nothing', async () => {
		const out = screen();
		expect(await buildIfNeeded({ state: stateAfter('fresh'), command: noisyCommand(9), out })).toBe(0);
		expect(await buildIfNeeded({ state: stateAfter('stale', 'fresh'), command: noisyCommand(9), out })).toBe(0);
		expect(out.text()).toBe('');
	});
});
