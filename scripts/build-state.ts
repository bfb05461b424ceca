import { existsSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isAlive } from '../src/lib/server/db/embedded/instance-lock';
import { runQuietly, type Output } from './quiet-run';

// import.meta.url, not import.meta.dir: vitest's module runner only provides the former.
export const projectRoot = fileURLToPath(new URL('..', import.meta.url));
const STAMP = join(projectRoot, 'build', '.stamp');
const SOURCES = ['src', 'static', 'drizzle', 'messages', 'project.inlang/settings.json', 'scripts/build.ts', 'package.json', 'bun.lock', 'svelte.config.js', 'vite.config.ts'];

function newestMtime(path: string): number {
	if (!existsSync(path)) return 0;
	const stat = statSync(path);
	if (!stat.isDirectory()) return stat.mtimeMs;
	let newest = stat.mtimeMs;
	for (const entry of readdirSync(path)) newest = Math.max(newest, newestMtime(join(path, entry)));
	return newest;
}

export type BuildState = 'missing' | 'stale' | 'fresh';

/** 'missing' before the first build, 'stale' when a source changed since, else 'fresh'. */
export function buildState(): BuildState {
	if (!existsSync(STAMP)) return 'missing';
	const sourcesAt = Math.max(...SOURCES.map((s) => newestMtime(join(projectRoot, s))));
	return statSync(STAMP).mtimeMs < sourcesAt ? 'stale' : 'fresh';
}

const LOCK = join(projectRoot, '.build.lock');

export interface BuildOptions {
	/** The build to run; `bun scripts/build.ts` unless a test injects another command. */
	command?: string[];
	state?: () => BuildState;
	out?: Output;
}

/**
 * Builds when needed, quietly: one progress line, and the build's whole output only when it
 * fails. Resolves with the build's exit code (0 when there was nothing to do).
 */
export async function buildIfNeeded(opts: BuildOptions = {}): Promise<number> {
	const { command = ['bun', join(projectRoot, 'scripts/build.ts')], state = buildState, out } = opts;
	if (state() === 'fresh') return 0;
	// Two processes building into the same folders at once would corrupt both builds.
	return withBuildLock(async () => {
		const now = state();
		if (now === 'fresh') return 0; // someone built it while we waited
		const label = now === 'missing' ? 'Building Elygate' : 'Sources changed: rebuilding Elygate';
		return (await runQuietly({ label, command, cwd: projectRoot, out })).exitCode;
	});
}

/** Builds when needed; exits the process if the build fails (its output is then shown). */
export async function ensureBuilt(): Promise<void> {
	const exitCode = await buildIfNeeded();
	if (exitCode !== 0) process.exit(exitCode);
}

async function withBuildLock<T>(work: () => Promise<T>): Promise<T> {
	const deadline = Date.now() + 10 * 60_000;
	for (;;) {
		try {
			writeFileSync(LOCK, String(process.pid), { flag: 'wx' });
			break;
		} catch {
			const holder = lockHolder();
			if (!holder || !isAlive(holder)) rmSync(LOCK, { force: true });
			else if (Date.now() > deadline) throw new Error(`Another build (pid ${holder}) holds ${LOCK}`);
			else await Bun.sleep(200);
		}
	}
	try {
		return await work();
	} finally {
		rmSync(LOCK, { force: true });
	}
}

function lockHolder(): number {
	try {
		return Number(readFileSync(LOCK, 'utf8')) || 0;
	} catch {
		return 0; // released between our attempt and this read
	}
}
