import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test } from 'vitest';
import * as z from 'zod';
import { projectRoot } from '../../scripts/build-state';

const read = (path: string) => readFileSync(join(projectRoot, path), 'utf8');
const manifest = z
	.object({ packageManager: z.string().optional(), devDependencies: z.object({ '@types/bun': z.string() }) })
	.parse(JSON.parse(read('package.json')));

// package.json's packageManager says which Bun the project is tested with; everything that
// installs or names a Bun must say the same.
const pinned = /^bun@(\d+\.\d+\.\d+)$/.exec(manifest.packageManager ?? '')?.[1];

test('package.json pins one exact Bun, and its types match it', () => {
	expect(pinned).toBeDefined();
	expect(manifest.devDependencies['@types/bun']).toBe(pinned);
});

test('the README installs and names that Bun', () => {
	const readme = read('README.md');
	const installs = [...readme.matchAll(/npm install -g bun(@[\w.-]+)?/g)].map((m) => m[0]);
	expect(installs.length).toBeGreaterThan(0);
	expect(new Set(installs)).toEqual(new Set([`npm install -g bun@${pinned}`]));
	expect(readme).toContain(`| Bun | ${pinned} |`);
});

test('CI installs the Bun package.json pins', () => {
	const line = read('.ci/run').split('\n').find((l) => l.startsWith('BUN_VERSION='));
	expect(line).toBeDefined();
	const shell = Bun.spawnSync(['bash', '-c', `${line}\nprintf %s "$BUN_VERSION"`], { cwd: projectRoot });
	expect(shell.stdout.toString()).toBe(pinned);
});

test('the Docker image is built on that Bun', () => {
	const dockerfile = read('Dockerfile');
	expect(dockerfile).toContain(`ARG BUN_VERSION=${pinned}\n`);
	const bases = [...dockerfile.matchAll(/^FROM (\S+)/gm)].map((m) => m[1]);
	expect(bases.length).toBeGreaterThan(0);
	expect(new Set(bases)).toEqual(new Set(['oven/bun:${BUN_VERSION}']));
});

test('the quick start stays two commands', () => {
	const quickStart = read('README.md').split('## Quick start')[1]!;
	const block = /```sh\n([\s\S]*?)```/.exec(quickStart)?.[1] ?? '';
	const commands = block
		.trim()
		.split('\n')
		.map((l) => l.replace(/#.*$/, '').trim());
	expect(commands).toEqual(['bun install && bun run start', 'bun run test']);
});
