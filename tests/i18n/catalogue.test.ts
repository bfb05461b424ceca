import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { catalogueProblems, hardCodedStrings, moduleFindings, readCatalogue, svelteFindings } from '../../scripts/i18n-lint';

const root = join(import.meta.dirname, '../..');

describe('the message catalogues', () => {
	it('hold the same keys with the same inputs in English and Chinese', () => {
		expect(catalogueProblems(readCatalogue(root, 'en'), readCatalogue(root, 'zh-CN'), 'zh-CN')).toEqual([]);
	});

	it('report a missing key, an extra key, different inputs, empty and untranslated text', () => {
		const en = { a: 'Hello {name}', b: 'Two words here', c: 'x', d: 'Save' };
		const zh = { a: '你好 {who}', b: 'Two words here', c: '', e: '多余' };
		expect(catalogueProblems(en, zh, 'zh-CN')).toEqual([
			'd: missing in zh-CN',
			'e: in zh-CN but not in en',
			'a: inputs differ (name vs who)',
			'b: left in English in zh-CN',
			'c: empty in zh-CN'
		]);
	});
});

describe('the hard-coded string scan', () => {
	it('finds no visible string outside the catalogue in the console (exceptions: scripts/i18n-exceptions.ts)', () => {
		expect(hardCodedStrings(root).map((f) => `${f.file}:${f.line}: ${f.text}`)).toEqual([]);
	});

	it('finds text between tags, visible attributes and props, and sentence-like literals', () => {
		const source = `<script lang="ts">
	const label = 'Copy the key';
	const cls = 'text-sm font-medium';
</script>
<svelte:head><title>Keys · Elygate</title></svelte:head>
<h1>API keys</h1>
<input placeholder="e.g. gpt-4o" aria-label={m.search()} class="field-input" />
<TextField label="Name" name="name" />
<p>{ok ? 'Enabled' : 'off'}</p>
<code>sk-elygate-example</code>
<p>{m.keys_lead()} · Elygate</p>`;
		expect(svelteFindings(source, 'x.svelte').map((f) => [f.line, f.text])).toEqual([
			[2, 'Copy the key'],
			[5, 'Keys · Elygate'],
			[6, 'API keys'],
			[7, 'e.g. gpt-4o'],
			[8, 'Name'],
			[9, 'Enabled']
		]);
	});

	it('finds flash messages in server modules but not log lines, imports or identifiers', () => {
		const source = `import { fail } from '@sveltejs/kit';
logger().warn({ id }, 'Channel test failed for good');
const status = 'active';
return message(form, 'Saved the channel.');`;
		expect(moduleFindings(source, 'x.ts').map((f) => [f.line, f.text])).toEqual([[4, 'Saved the channel.']]);
	});
});
