import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { architectureViolations, brokenDocCitations } from '../../scripts/architecture';

const projectRoot = resolve(import.meta.dirname, '../..');

/** A throwaway source tree: path → contents. */
function tree(files: Record<string, string>): string {
	const root = mkdtempSync(join(tmpdir(), 'elygate-arch-'));
	for (const [path, text] of Object.entries(files)) {
		mkdirSync(dirname(join(root, path)), { recursive: true });
		writeFileSync(join(root, path), text);
	}
	made.push(root);
	return root;
}
const made: string[] = [];
afterAll(() => made.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

const S = 'src/lib/server';
/** A small tree that keeps every rule. */
const clean: Record<string, string> = {
	[`${S}/db/schema.ts`]: 'export const users = 1;\n',
	[`${S}/db/index.ts`]: "export * from './schema';\n",
	[`${S}/state/snapshot.ts`]: 'export interface Snapshot { a: number }\n',
	[`${S}/protocol/types.ts`]: 'export type Door = "chat";\n',
	[`${S}/providers/openai/index.ts`]: "import type { Door } from '../../protocol/types';\nexport const door: Door = 'chat';\n",
	[`${S}/doors/messages/index.ts`]: "import type { Door } from '../../protocol/types';\nexport const d: Door = 'chat';\n",
	[`${S}/relay/call.ts`]: "import type { Snapshot } from '../state/snapshot';\nimport type { users } from '../db/schema';\nimport { door } from '../providers/openai';\nexport const x = (s: Snapshot, u: typeof users) => [s, u, door];\n",
	['src/routes/+page.server.ts']: "import { door } from '$lib/server/providers/openai';\nexport const load = () => ({ door });\n"
};

describe('architecture rules', () => {
	test('the project keeps its layering (docs/architecture.md)', () => {
		expect(architectureViolations(projectRoot)).toEqual([]);
	});

	test('a tree that keeps the rules has no violations (type-only imports of db/ by the relay are allowed)', () => {
		expect(architectureViolations(tree(clean))).toEqual([]);
	});

	test('each deliberate bad import is caught, with its rule', () => {
		const root = tree({
			...clean,
			[`${S}/providers/openai/index.ts`]: "import type { Snapshot } from '../../state/snapshot';\nimport { d } from '../../doors/messages';\nexport const door = 'chat';\nexport type S = Snapshot; export const dd = d;\n",
			[`${S}/protocol/types.ts`]: "import { users } from '../db';\nexport type Door = 'chat';\nexport const u = users;\n",
			[`${S}/doors/messages/index.ts`]: "import { door } from '../../providers/openai';\nexport const d = door;\n",
			// Loads the database two steps away: through a module outside relay/.
			[`${S}/auth/tokens.ts`]: "export { users } from '../db/schema';\n",
			[`${S}/relay/call.ts`]: "import { users } from '../auth/tokens';\nexport const x = users;\n",
			['src/routes/admin/+page.server.ts']: "import { users } from '$lib/server/db/schema';\nexport const load = () => ({ users });\n"
		});
		const found = architectureViolations(root);
		const rules = found.map((v) => `${v.file}: ${v.rule}`);
		expect(rules).toHaveLength(6);
		expect(found.find((v) => v.rule.startsWith('relay/'))?.imports).toBe(`${S}/auth/tokens.ts → ${S}/db/schema.ts`);
		expect(rules).toEqual(
			expect.arrayContaining([
				`${S}/providers/openai/index.ts: providers/ must not import state/`,
				`${S}/providers/openai/index.ts: providers/ must not import doors/`,
				`${S}/protocol/types.ts: protocol/ must not import db/`,
				`${S}/doors/messages/index.ts: doors/ must not import providers/`,
				`${S}/relay/call.ts: relay/ must not load db/ at runtime`,
				'src/routes/admin/+page.server.ts: routes must not import db/'
			])
		);
	});

	test('a route importing the database from a .svelte script is caught too', () => {
		const root = tree({ ...clean, 'src/routes/x/+page.svelte': "<script lang=\"ts\">\n\timport { users } from '$lib/server/db';\n</script>\n<p>{users}</p>\n" });
		expect(architectureViolations(root).map((v) => v.rule)).toEqual(['routes must not import db/']);
	});

	test('every docs/ citation in the code names a file and heading that exist; a wrong one is reported', () => {
		expect(brokenDocCitations(projectRoot)).toEqual([]);
		const root = tree({
			...clean,
			'docs/billing.md': '# Billing\n\n## What a call pays\n',
			[`${S}/relay/call.ts`]: '// docs/billing.md, "What a call pays"; docs/billing.md, "Refunds"; docs/nowhere.md\nexport const x = 1;\n'
		});
		expect(brokenDocCitations(root)).toEqual([`${S}/relay/call.ts: docs/billing.md has no heading "Refunds"`, `${S}/relay/call.ts: docs/nowhere.md does not exist`]);
	});
});
