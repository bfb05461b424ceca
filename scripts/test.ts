/**
 * `bun run test` (everything) and `bun run test:db` (the database-facing subset, which CI
 * also runs against an external PostgreSQL via TEST_DATABASE_URL). Makes sure Chromium is
 * there when browser tests are selected, builds first when needed, runs vitest under Bun,
 * then prints one plain summary line: "N passed, N failed".
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as z from 'zod';
import { ensureBuilt, projectRoot } from './build-state';
import { ensureChromium, selectsBrowserTests } from './chromium';

const SUITES: Record<string, string[]> = {
	all: [],
	db: ['tests/db', 'tests/billing']
};

const [suite = 'all', ...extra] = Bun.argv.slice(2);
const filters = SUITES[suite];
if (!filters) {
	console.error(`Unknown suite "${suite}"; use one of: ${Object.keys(SUITES).join(', ')}`);
	process.exit(2);
}

const browserTests = [...new Bun.Glob('tests/**/*.browser.test.ts').scanSync({ cwd: projectRoot })];
if (suite === 'all' && selectsBrowserTests(extra, browserTests, projectRoot)) {
	const problem = await ensureChromium();
	if (problem) {
		console.error(problem);
		process.exit(1);
	}
}

// Unit tests import the compiled catalogues; the build compiles them too, this covers a fresh checkout.
await import('./i18n-compile');
await ensureBuilt();
const reportDir = mkdtempSync(join(tmpdir(), 'elygate-vitest-'));
const report = join(reportDir, 'report.json');
const run = Bun.spawnSync(
	['bun', '--bun', 'vitest', 'run', ...filters, ...extra, '--reporter=default', '--reporter=json', `--outputFile.json=${report}`],
	{ cwd: projectRoot, stdout: 'inherit', stderr: 'inherit', stdin: 'inherit' }
);

const summary = z.object({ numPassedTests: z.number(), numFailedTests: z.number(), numPendingTests: z.number(), numTodoTests: z.number() });
let passed = 0;
let failed = 0;
try {
	const parsed = summary.parse(JSON.parse(readFileSync(report, 'utf8')));
	passed = parsed.numPassedTests;
	// A skipped or todo test is a defect in this project: count it as failed.
	failed = parsed.numFailedTests + parsed.numPendingTests + parsed.numTodoTests;
} catch {
	failed = Math.max(failed, 1); // no report: vitest itself failed
} finally {
	rmSync(reportDir, { recursive: true, force: true });
}
console.log(`${passed} passed, ${failed} failed`);
process.exit(run.exitCode !== 0 || failed > 0 ? 1 : 0);
