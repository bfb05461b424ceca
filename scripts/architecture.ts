/**
 * The layering rules of docs/architecture.md, checked on the source tree: which folders may
 * import which. `bun scripts/architecture.ts` prints every import that breaks one (exit 1);
 * tests/tooling/architecture.test.ts runs the same check in the suite.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

export interface Violation {
	file: string;
	imports: string;
	rule: string;
}

const SERVER = 'src/lib/server';

/** Folders the transforms must stay clear of: they are pure and know nothing of storage or doors. */
const PURE_LAYERS = ['providers', 'protocol'];
const KEPT_FROM_PURE = ['db', 'state', 'services', 'doors'];

const transpiler = new Bun.Transpiler({ loader: 'ts' });

/** Every import of a file as written, type-only ones included (a rule about layers covers types). */
function allImports(source: string): string[] {
	const found: string[] = [];
	const pattern = /(?:^|[\s;])(?:import|export)\s[^'";]*?from\s*['"]([^'"]+)['"]|import\s*\(\s*['"]([^'"]+)['"]\s*\)|^\s*import\s*['"]([^'"]+)['"]/gm;
	for (const m of source.matchAll(pattern)) found.push((m[1] ?? m[2] ?? m[3])!);
	return found;
}

/** The imports that remain when the code runs (type-only imports are erased). */
function runtimeImports(source: string): string[] {
	return transpiler.scanImports(source).map((i) => i.path);
}

/** A project file an import names, or undefined for a package. */
function resolveImport(root: string, from: string, spec: string): string | undefined {
	let base: string;
	if (spec.startsWith('$lib/')) base = join(root, 'src/lib', spec.slice(5));
	else if (spec === '$lib') base = join(root, 'src/lib');
	else if (spec.startsWith('.')) base = resolve(dirname(from), spec);
	else return undefined;
	for (const candidate of [base, `${base}.ts`, join(base, 'index.ts')]) {
		if (/\.(ts|js)$/.test(candidate) && existsSync(candidate)) return candidate;
	}
	return undefined;
}

function sourceFiles(root: string, dir: string): string[] {
	if (!existsSync(join(root, dir))) return [];
	return [...new Bun.Glob('**/*.{ts,svelte}').scanSync({ cwd: join(root, dir) })]
		.filter((f) => !f.endsWith('.test.ts'))
		.map((f) => join(root, dir, f));
}

/** For .svelte files, the script blocks; for .ts, the file. */
function codeOf(file: string): string {
	const text = readFileSync(file, 'utf8');
	if (!file.endsWith('.svelte')) return text;
	return [...text.matchAll(/<script[^>]*>([\s\S]*?)<\/script>/g)].map((m) => m[1]).join('\n');
}

const layerOf = (root: string, file: string): string | undefined => {
	const rel = relative(join(root, SERVER), file);
	return rel.startsWith('..') ? undefined : rel.split('/')[0];
};

export function architectureViolations(root: string): Violation[] {
	const violations: Violation[] = [];
	const rel = (file: string) => relative(root, file);

	// 1. providers/ and protocol/ import nothing from storage, state, services or doors;
	//    doors/ and providers/ never import each other (both speak through protocol/).
	for (const layer of [...PURE_LAYERS, 'doors']) {
		for (const file of sourceFiles(root, `${SERVER}/${layer}`)) {
			const kept = layer === 'doors' ? ['providers'] : KEPT_FROM_PURE;
			for (const spec of allImports(codeOf(file))) {
				const target = resolveImport(root, file, spec);
				const into = target && layerOf(root, target);
				if (into && kept.includes(into)) violations.push({ file: rel(file), imports: rel(target), rule: `${layer}/ must not import ${into}/` });
			}
		}
	}

	// 2. Loading the relay loads no database code: no runtime import chain from relay/ reaches db/.
	const seen = new Map<string, string | undefined>();
	const queue = sourceFiles(root, `${SERVER}/relay`).filter((f) => f.endsWith('.ts'));
	for (const file of queue) seen.set(file, undefined);
	while (queue.length) {
		const file = queue.shift()!;
		if (layerOf(root, file) === 'db') {
			const chain = [file];
			for (let by = seen.get(file); by; by = seen.get(by)) chain.unshift(by);
			violations.push({ file: rel(chain[0]!), imports: chain.slice(1).map(rel).join(' → '), rule: 'relay/ must not load db/ at runtime' });
			continue;
		}
		for (const spec of runtimeImports(codeOf(file))) {
			const target = resolveImport(root, file, spec);
			if (target && !seen.has(target)) {
				seen.set(target, file);
				queue.push(target);
			}
		}
	}

	// 3. Routes are thin: they call services and the relay, never the database.
	for (const file of sourceFiles(root, 'src/routes')) {
		for (const spec of allImports(codeOf(file))) {
			const target = resolveImport(root, file, spec);
			if (target && layerOf(root, target) === 'db') violations.push({ file: rel(file), imports: rel(target), rule: 'routes must not import db/' });
		}
	}
	return violations;
}

/**
 * Comments cite the repo's own docs by file and heading (`docs/billing.md`, then the heading in quotes): every cited file and heading
 * must exist, so a renamed section cannot leave the code pointing nowhere.
 */
export function brokenDocCitations(root: string): string[] {
	const headings = new Map<string, Set<string>>();
	const headingsOf = (doc: string) => {
		let found = headings.get(doc);
		if (!found) {
			const lines = readFileSync(join(root, doc), 'utf8').split('\n');
			found = new Set(lines.filter((l) => /^#+ /.test(l)).map((l) => l.replace(/^#+ /, '').trim()));
			headings.set(doc, found);
		}
		return found;
	};
	const broken: string[] = [];
	for (const file of [...sourceFiles(root, 'src'), ...sourceFiles(root, 'scripts')]) {
		for (const m of readFileSync(file, 'utf8').matchAll(/(docs\/[\w./-]+\.md)((?:,\s*"[^"]+")*)/g)) {
			const doc = m[1]!;
			if (!existsSync(join(root, doc))) {
				broken.push(`${relative(root, file)}: ${doc} does not exist`);
				continue;
			}
			for (const [, heading] of (m[2] ?? '').matchAll(/"([^"]+)"/g)) {
				if (!headingsOf(doc).has(heading!)) broken.push(`${relative(root, file)}: ${doc} has no heading "${heading}"`);
			}
		}
	}
	return broken;
}

if (import.meta.main) {
	const root = resolve(import.meta.dir, '..');
	const found = architectureViolations(root);
	for (const v of found) console.log(`${v.file}: ${v.rule} (${v.imports})`);
	const broken = brokenDocCitations(root);
	for (const b of broken) console.log(b);
	console.log(found.length === 0 ? 'architecture: no violations' : `architecture: ${found.length} violation(s)`);
	console.log(broken.length === 0 ? 'doc citations: all resolve' : `doc citations: ${broken.length} broken`);
	process.exit(found.length + broken.length === 0 ? 0 : 1);
}
