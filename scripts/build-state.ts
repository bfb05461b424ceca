import { existsSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isAlive } from '../src/lib/server/db/embedded/instance-lock';

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

const LOCK = join(projectRoot, '.build.lock');

/** Builds when needed; exits the process if the build fails. */
export function ensureBuilt(): void {
	if (buildState() === 'fresh') return;
	// Two processes building into the same folders at once would corrupt both builds.
	withBuildLock(() => {
		const state = buildState();
		if (state === 'fresh') return; // someone built it while we waited
		console.log(state === 'missing' ? 'No build yet: building…' : 'Sources changed since the last build: rebuilding…');
		const build = Bun.spawnSync(['bun', join(projectRoot, 'scripts/build.ts')], {
			cwd: projectRoot,
			stdout: 'inherit',
			stderr: 'inherit'
		});
		if (build.exitCode !== 0) process.exit(build.exitCode ?? 1);
	});
}

function withBuildLock(work: () => void): void {
	const deadline = Date.now() + 10 * 60_000;
	for (;;) {
		try {
			writeFileSync(LOCK, String(process.pid), { flag: 'wx' });
			break;
		} catch {
			const holder = lockHolder();
			if (!holder || !isAlive(holder)) rmSync(LOCK, { force: true });
			else if (Date.now() > deadline) throw new Error(`Another build (pid ${holder}) holds ${LOCK}`);
			else Bun.sleepSync(200);
		}
	}
	try {
		work();
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
