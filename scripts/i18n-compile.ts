/**
 * Compiles the message catalogues for tools that run outside Vite (svelte-check, tsc, vitest).
 * Skips the work when the output is newer than every catalogue, so the build stamp stays valid.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { compile } from '@inlang/paraglide-js';
import { paraglideOptions } from './paraglide-options.js';

const root = join(import.meta.dir, '..');
const inputs = [join(root, 'project.inlang/settings.json'), ...readdirSync(join(root, 'messages')).map((f) => join(root, 'messages', f)), join(import.meta.dir, 'paraglide-options.js')];
const marker = join(root, paraglideOptions.outdir, 'messages.js');
const newestInput = Math.max(...inputs.map((p) => statSync(p).mtimeMs));
if (!existsSync(marker) || statSync(marker).mtimeMs < newestInput) {
	await compile(paraglideOptions);
}
