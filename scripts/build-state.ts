import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

// import.meta.url, not import.meta.dir: vitest's module runner only provides the former.
export const projectRoot = fileURLToPath(new URL('..', import.meta.url));
const STAMP = join(projectRoot, 'build', '.stamp');
const SOURCES = ['src', 'static', 'drizzle', 'scripts/build.ts', 'package.json', 'bun.lock', 'svelte.config.js', 'vite.config.ts'];

function newestMtime(path: string): number {
	if (!existsSync(path)) return 0;
	const stat = statSync(path);
	if (!stat.isDirectory()) return stat.mtimeMs;
	let newest = stat.mtimeMs;
	for (const entry of readdirSync(path)) newest = Math.max(newest, newestMtime(join(path, entry)));
	return newest;
}

/** 'missing' before the first build, 'stale' when a source changed since, else 'fresh'. */
export function buildState(): 'missing' | 'stale' | 'fresh' {
	if (!existsSync(STAMP)) return 'missing';
	const sourcesAt = Math.max(...SOURCES.map((s) => newestMtime(join(projectRoot, s))));
	return statSync(STAMP).mtimeMs < sourcesAt ? 'stale' : 'fresh';
}

/** Builds when needed; exits the process if the build fails. */
export function ensureBuilt(): void {
	const state = buildState();
	if (state === 'fresh') return;
	console.log(state === 'missing' ? 'No build yet: building…' : 'Sources changed since the last build: rebuilding…');
	const build = Bun.spawnSync(['bun', join(projectRoot, 'scripts/build.ts')], {
		cwd: projectRoot,
		stdout: 'inherit',
		stderr: 'inherit'
	});
	if (build.exitCode !== 0) process.exit(build.exitCode ?? 1);
}
