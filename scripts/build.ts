/**
 * Builds everything `bun build/elygate.js` needs: the SvelteKit app (adapter output in
 * build/), our production entry bundled next to it, and the migrations it applies at start.
 * Writes build/.stamp last, so an interrupted build is never mistaken for a finished one.
 */
import { cpSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const root = join(import.meta.dir, '..');
const out = join(root, 'build');

rmSync(join(out, '.stamp'), { force: true });
const vite = Bun.spawnSync(['bun', '--bun', 'vite', 'build'], { cwd: root, stdout: 'inherit', stderr: 'inherit' });
if (vite.exitCode !== 0) process.exit(vite.exitCode ?? 1);

const entry = await Bun.build({
	entrypoints: [join(root, 'src/server.ts')],
	outdir: out,
	naming: 'elygate.js',
	target: 'bun',
	packages: 'external'
});
if (!entry.success) {
	for (const log of entry.logs) console.error(log);
	process.exit(1);
}

rmSync(join(out, 'drizzle'), { recursive: true, force: true });
cpSync(join(root, 'drizzle'), join(out, 'drizzle'), { recursive: true });
writeFileSync(join(out, '.stamp'), new Date().toISOString() + '\n');
console.log('built build/elygate.js');
