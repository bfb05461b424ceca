/**
 * The local token counter against the bare tokenizer: time on text without spaces (where the
 * bare tokenizer is quadratic), and the bounded count's accuracy on ordinary text.
 *
 *   bun bench/token-count.ts            # bare tokenizer up to 128K characters
 *   BARE_MAX=1048576 bun bench/token-count.ts   # also the bare 1M (about half an hour)
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { countTokens } from 'gpt-tokenizer/encoding/o200k_base';
import { DEFAULT_LIMITS } from '../src/lib/server/relay/bounded-count';
import { countTextTokens, newTokenCounter } from '../src/lib/server/relay/token-count';
import { randomLetters } from '../src/lib/server/testing/random-text';

const root = join(import.meta.dirname, '..');
const bareMax = Number(process.env.BARE_MAX ?? 128 * 1024);
const bare = (text: string) => countTokens(text, { disallowedSpecial: new Set() });

function time<T>(run: () => T): [T, number] {
	const started = performance.now();
	const result = run();
	return [result, performance.now() - started];
}

bare('warm up');
countTextTokens('warm up');

console.log('Text without spaces: milliseconds (tokens)');
console.log('| input | characters | bare tokenizer | bounded count |');
console.log('|---|---|---|---|');
for (const [name, make] of [
	['x repeated', (n: number) => 'x'.repeat(n)],
	['random letters', randomLetters],
	['spaces', (n: number) => ' '.repeat(n)]
] as const) {
	for (const n of [32 * 1024, 128 * 1024, 1024 * 1024]) {
		const text = make(n);
		const [after, afterMs] = time(() => countTextTokens(text));
		const before = n <= bareMax ? time(() => bare(text)) : undefined;
		const beforeCell = before ? `${before[1].toFixed(0)} (${before[0]})` : 'not run';
		console.log(`| ${name} | ${n / 1024}K | ${beforeCell} | ${afterMs.toFixed(1)} (${after}) |`);
	}
}

const code = readdirSync(join(root, 'src/lib/server/relay'))
	.filter((f) => f.endsWith('.ts'))
	.sort()
	.map((f) => readFileSync(join(root, 'src/lib/server/relay', f), 'utf8'))
	.join('\n');
const readme = readFileSync(join(root, 'README.md'), 'utf8');
const fixture = (name: string) => readFileSync(join(root, 'src/lib/server/relay/fixtures', name), 'utf8');
const extra = (process.env.SAMPLES ?? '').split(',').filter(Boolean);

console.log('\nAccuracy: bounded count against the bare tokenizer (no time limit, so the figures do not depend on load)');
console.log('| sample | characters | bare | bounded | difference |');
console.log('|---|---|---|---|---|');
const samples: Array<[string, string]> = [
	['README (English, Markdown)', readme],
	['relay source (TypeScript)', code],
	['Chinese prose', fixture('zh.txt')],
	['Japanese prose', fixture('ja.txt')],
	['Chinese prose, line breaks removed', fixture('zh.txt').replace(/\s+/g, '')],
	['Japanese prose, line breaks removed', fixture('ja.txt').replace(/\s+/g, '')],
	['random letters (32K)', randomLetters(32 * 1024)],
	['README × 32 (past the budget)', readme.repeat(32)],
	['source × 8 (past the budget)', code.repeat(8)],
	...extra.map((path): [string, string] => [path, readFileSync(path, 'utf8')])
];
for (const [name, text] of samples) {
	const want = bare(text);
	const got = newTokenCounter({ ...DEFAULT_LIMITS, timeLimitMs: Infinity }).count(text);
	console.log(`| ${name} | ${text.length} | ${want} | ${got} | ${(((got - want) / want) * 100).toFixed(2)}% |`);
}
