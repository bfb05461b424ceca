/**
 * The catalogue check (docs/i18n.md), run by the unit suite and by `bun scripts/i18n-lint.ts`:
 * - messages/en.json and messages/zh-CN.json hold the same keys with the same `{inputs}`, no
 *   empty text, and no Chinese text left in English;
 * - no component or page under src/routes or src/lib/components shows a hard-coded string
 *   outside the catalogue: text between tags, visible attributes and props (label, title,
 *   placeholder, aria-label, alt …), sentence-like string literals in template expressions,
 *   scripts and server modules. What may stay literal is listed in scripts/i18n-exceptions.ts.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { parse } from 'svelte/compiler';
import ts from 'typescript';
import { ALLOWED_TEXT, EXEMPT_FILES, EXEMPT_TAGS, MACHINE_ROUTES } from './i18n-exceptions';

export interface Finding {
	file: string;
	line: number;
	text: string;
}

type Catalogue = Record<string, string>;

const PLACEHOLDER = /\{\s*([A-Za-z_$][\w$]*)\s*\}/g;

function placeholders(text: string): string[] {
	return [...text.matchAll(PLACEHOLDER)].map((m) => m[1] ?? '').sort();
}

/** Differences between two catalogues: keys only one has, inputs that differ, empty or untranslated text. */
export function catalogueProblems(base: Catalogue, other: Catalogue, otherName: string): string[] {
	const problems: string[] = [];
	const keys = (c: Catalogue) => Object.keys(c).filter((k) => k !== '$schema');
	for (const key of keys(base)) {
		if (!(key in other)) problems.push(`${key}: missing in ${otherName}`);
	}
	for (const key of keys(other)) {
		if (!(key in base)) problems.push(`${key}: in ${otherName} but not in en`);
	}
	for (const key of keys(base)) {
		const a = base[key];
		const b = other[key];
		if (typeof a !== 'string' || typeof b !== 'string') {
			if (key in other) problems.push(`${key}: not a plain string`);
			continue;
		}
		if (!a.trim()) problems.push(`${key}: empty in en`);
		if (!b.trim()) problems.push(`${key}: empty in ${otherName}`);
		if (placeholders(a).join() !== placeholders(b).join()) problems.push(`${key}: inputs differ (${placeholders(a).join() || 'none'} vs ${placeholders(b).join() || 'none'})`);
		if (a === b && /[A-Za-z]{3,}\s+[A-Za-z]{3,}/.test(a) && !ALLOWED_TEXT.has(a)) problems.push(`${key}: left in English in ${otherName}`);
	}
	return problems;
}

const LETTER = /\p{L}/u;
/** Visible attributes of elements and the props our components render as text. */
const VISIBLE_ATTRIBUTES = new Set(['title', 'placeholder', 'aria-label', 'aria-description', 'aria-roledescription', 'alt', 'label', 'description', 'hint', 'confirm', 'text', 'summary', 'empty', 'legend', 'heading', 'caption', 'subtitle']);

/** Text a person reads: a capitalised word or several words (identifiers, classes and codes are not). */
function looksVisible(text: string): boolean {
	const t = text.trim();
	if (!t || ALLOWED_TEXT.has(t)) return false;
	if (/\p{Script=Han}/u.test(t)) return true;
	return /^[A-Z][a-z]+[\s,.:;!?'’)-]/.test(t) || /^[A-Z][a-z]{2,}[.!?]?$/.test(t) || /^[A-Za-z]+[a-z]\s+[a-z]+\s/.test(t);
}

/** Text with a letter left once the names and symbols that read the same in every language are set aside. */
function visibleText(text: string): boolean {
	const t = text.replace(/\s+/g, ' ').trim();
	if (ALLOWED_TEXT.has(t)) return false;
	return t.split(/[\s·,:;()]+/).some((word) => LETTER.test(word) && !ALLOWED_TEXT.has(word));
}

function lineOf(source: string, offset: number): number {
	let line = 1;
	for (let i = 0; i < offset && i < source.length; i++) if (source.charCodeAt(i) === 10) line++;
	return line;
}

/** String literals in a TypeScript program that read as text for people. */
function scriptFindings(code: string, file: string, source: string, offset: number): Finding[] {
	const found: Finding[] = [];
	const sf = ts.createSourceFile(file, code, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
	const visit = (node: ts.Node): void => {
		if (ts.isImportDeclaration(node) || ts.isExportDeclaration(node) || ts.isTypeNode(node)) return;
		if (ts.isCallExpression(node) && isLoggingCall(node)) return;
		if (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node)) {
			if (!ts.isPropertyAssignment(node.parent) || node.parent.initializer === node) check(node.text, node.getStart(sf));
		} else if (ts.isTemplateExpression(node)) {
			check([node.head.text, ...node.templateSpans.map((s) => s.literal.text)].join(' … '), node.getStart(sf));
		}
		ts.forEachChild(node, visit);
	};
	const check = (text: string, at: number) => {
		if (looksVisible(text)) found.push({ file, line: lineOf(source, offset + at), text: text.trim() });
	};
	visit(sf);
	return found;
}

/** Log lines are for operators and stay English, like /api. */
function isLoggingCall(node: ts.CallExpression): boolean {
	const callee = node.expression;
	if (!ts.isPropertyAccessExpression(callee)) return false;
	const target = callee.expression.getText();
	return /^(console|logger\(\)|log|this\.log)$/.test(target) && /^(debug|info|warn|error|fatal|trace|log)$/.test(callee.name.text);
}

interface SvelteNode {
	type: string;
	name?: string;
	start: number;
	end: number;
	data?: string;
	value?: unknown;
	[key: string]: unknown;
}

function isNode(value: unknown): value is SvelteNode {
	return typeof value === 'object' && value !== null && typeof (value as { type?: unknown }).type === 'string';
}

/** String literals inside a template expression (`{ok ? 'Enabled' : 'Disabled'}`). */
function expressionFindings(expr: unknown, file: string, source: string, found: Finding[]): void {
	if (!isNode(expr)) return;
	if (expr.type === 'Literal' && typeof expr.value === 'string') {
		if (looksVisible(expr.value)) found.push({ file, line: lineOf(source, expr.start), text: expr.value });
		return;
	}
	if (expr.type === 'TemplateLiteral') {
		const quasis = (expr.quasis as { value: { cooked: string } }[]).map((q) => q.value.cooked).join(' … ');
		if (looksVisible(quasis)) found.push({ file, line: lineOf(source, expr.start), text: quasis });
	}
	if (expr.type === 'CallExpression' && isNode(expr.callee) && expr.callee.type === 'MemberExpression') {
		const object = expr.callee.object as SvelteNode;
		if (object.type === 'Identifier' && object.name === 'console') return;
	}
	for (const [key, value] of Object.entries(expr)) {
		if (key === 'type' || key === 'start' || key === 'end' || key === 'loc') continue;
		if (Array.isArray(value)) value.forEach((v) => expressionFindings(v, file, source, found));
		else expressionFindings(value, file, source, found);
	}
}

export function svelteFindings(source: string, file: string): Finding[] {
	const found: Finding[] = [];
	const ast = parse(source, { modern: true });
	for (const script of [ast.instance, ast.module]) {
		if (!script) continue;
		const open = source.indexOf('>', script.start) + 1;
		const close = source.lastIndexOf('</script', script.end);
		found.push(...scriptFindings(source.slice(open, close), file, source, open));
	}
	const walk = (node: unknown, exempt: boolean): void => {
		if (Array.isArray(node)) return node.forEach((n) => walk(n, exempt));
		if (!isNode(node)) return;
		const inExempt = exempt || (node.type === 'RegularElement' && EXEMPT_TAGS.has(node.name ?? ''));
		if (node.type === 'Text') {
			if (!inExempt && visibleText(node.data ?? '')) found.push({ file, line: lineOf(source, node.start), text: (node.data ?? '').trim() });
			return;
		}
		if (node.type === 'ExpressionTag') {
			if (!inExempt) expressionFindings(node.expression, file, source, found);
			return;
		}
		if (node.type === 'Attribute') {
			if (!VISIBLE_ATTRIBUTES.has(node.name ?? '')) return;
			const parts = Array.isArray(node.value) ? node.value : isNode(node.value) ? [node.value] : [];
			for (const part of parts as SvelteNode[]) {
				if (part.type === 'Text' && visibleText(part.data ?? '')) found.push({ file, line: lineOf(source, part.start), text: part.data ?? '' });
				if (part.type === 'ExpressionTag') expressionFindings(part.expression, file, source, found);
			}
			return;
		}
		for (const [key, value] of Object.entries(node)) {
			if (key === 'type' || key === 'start' || key === 'end' || key === 'name' || key === 'metadata') continue;
			if (key === 'expression' || key === 'test' || key === 'key' || key === 'context' || key === 'index') continue; // logic, not text
			if (Array.isArray(value) || isNode(value)) walk(value, inExempt);
		}
	};
	walk(ast.fragment, false);
	return found;
}

export function moduleFindings(source: string, file: string): Finding[] {
	return scriptFindings(source, file, source, 0);
}

function filesUnder(dir: string): string[] {
	return readdirSync(dir).flatMap((entry) => {
		const path = join(dir, entry);
		return statSync(path).isDirectory() ? filesUnder(path) : [path];
	});
}

/** Every hard-coded visible string in the console's components, pages and their server modules. */
export function hardCodedStrings(root: string): Finding[] {
	const files = ['src/routes', 'src/lib/components'].flatMap((d) => filesUnder(join(root, d)));
	return files.flatMap((path) => {
		const file = relative(root, path);
		if (EXEMPT_FILES.some((p) => p.test(file)) || MACHINE_ROUTES.some((p) => p.test(file))) return [];
		if (file.endsWith('.svelte')) return svelteFindings(readFileSync(path, 'utf8'), file);
		if (file.endsWith('.ts') && !file.endsWith('.test.ts')) return moduleFindings(readFileSync(path, 'utf8'), file);
		return [];
	});
}

export function readCatalogue(root: string, locale: string): Catalogue {
	return JSON.parse(readFileSync(join(root, 'messages', `${locale}.json`), 'utf8')) as Catalogue;
}

if (import.meta.main) {
	const root = join(import.meta.dir, '..');
	const problems = catalogueProblems(readCatalogue(root, 'en'), readCatalogue(root, 'zh-CN'), 'zh-CN');
	const strings = hardCodedStrings(root);
	for (const p of problems) console.log(`catalogue: ${p}`);
	for (const f of strings) console.log(`${f.file}:${f.line}: ${JSON.stringify(f.text)}`);
	console.log(`${problems.length} catalogue problems, ${strings.length} hard-coded strings`);
	process.exit(problems.length + strings.length > 0 ? 1 : 0);
}
