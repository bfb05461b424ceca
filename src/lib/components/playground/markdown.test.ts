import type { WindowLike } from 'dompurify';
import { JSDOM } from 'jsdom';
import { describe, expect, test } from 'vitest';
import { COPY_ATTRIBUTE, createMarkdownRenderer, createSanitizer, safeUrl } from './markdown';

const { window } = new JSDOM('<!doctype html><html><body></body></html>');
const render = createMarkdownRenderer(window as unknown as WindowLike);
const sanitize = createSanitizer(window as unknown as WindowLike);
const labels = { copyCode: 'Copy code' };

/** The rendered reply as a DOM fragment, to assert on elements rather than on strings. */
function dom(markdown: string): HTMLElement {
	const box = window.document.createElement('div');
	box.innerHTML = render(markdown, labels);
	return box;
}

function everyAttribute(box: HTMLElement): string[] {
	return [...box.querySelectorAll('*')].flatMap((el) => [...el.attributes].map((a) => `${a.name}=${a.value}`));
}

describe('Markdown in a reply', () => {
	test('bold, emphasis, inline code, lists and tables render', () => {
		const box = dom('**bold** and *soft* with `x = 1`\n\n- one\n- two\n\n| a | b |\n|---|---|\n| 1 | 2 |');
		expect(box.querySelector('strong')?.textContent).toBe('bold');
		expect(box.querySelector('em')?.textContent).toBe('soft');
		expect(box.querySelector('p code')?.textContent).toBe('x = 1');
		expect(box.querySelectorAll('ul li')).toHaveLength(2);
		expect(box.querySelectorAll('table td')).toHaveLength(2);
	});

	test('a script tag is shown as text, never as an element', () => {
		const box = dom('Hello\n\n<script>window.__pwned = true; document.title = "pwned"</script>\n\nafter');
		expect(box.querySelector('script')).toBeNull();
		expect(box.textContent).toContain('<script>window.__pwned = true; document.title = "pwned"</script>');
		expect(dom('inline <script>alert(1)</script> too').querySelector('script')).toBeNull();
		expect(dom('<svg><script>alert(1)</script></svg>').querySelector('svg, script')).toBeNull();
	});

	test('event handler attributes cannot get in', () => {
		for (const source of ['<img src=x onerror="window.__pwned=1">', 'text <b onclick="alert(1)">b</b>', '<div onmouseover="alert(1)">hover</div>', '![x](https://example.com/x.png" onerror="alert(1))']) {
			const box = dom(source);
			expect(box.querySelector('img')).toBeNull();
			expect(everyAttribute(box).filter((a) => a.startsWith('on'))).toEqual([]);
		}
	});

	test('raw HTML is escaped: it reads as the text the model wrote', () => {
		const box = dom('A <b>tag</b>, an <iframe src="https://evil.example"></iframe> and <a href="https://example.com">a raw link</a>.');
		expect(box.querySelector('b, iframe, a')).toBeNull();
		expect(box.textContent?.trim()).toBe('A <b>tag</b>, an <iframe src="https://evil.example"></iframe> and <a href="https://example.com">a raw link</a>.');
		expect(dom('<style>body{display:none}</style>').querySelector('style')).toBeNull();
		expect(dom('<form action="https://evil.example"><input name=x></form>').querySelector('form, input')).toBeNull();
	});

	test('javascript: and other unsafe links lose their address, in every spelling', () => {
		const sources = [
			'[click](javascript:alert(1))',
			'[click](JaVaScRiPt:alert(1))',
			'[click]( javascript:alert(1) )',
			'[click](javascript&#58;alert(1))',
			'[click](&#106;avascript:alert(1))',
			'[click](java\nscript:alert(1))',
			'<javascript:alert(1)>',
			'[click](vbscript:msgbox(1))',
			'[click](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)',
			'[click](/admin/users)',
			'[ref][r]\n\n[r]: javascript:alert(1)'
		];
		for (const source of sources) {
			const box = dom(source);
			for (const a of box.querySelectorAll('a')) expect(a.getAttribute('href'), source).toBeNull();
			expect(everyAttribute(box).some((a) => /javascript|vbscript|data:/i.test(a)), source).toBe(false);
		}
	});

	test('good links open in a new tab without the opener', () => {
		const box = dom('[docs](https://example.com/docs "The docs") and <https://auto.example> and mail@example.com');
		const links = [...box.querySelectorAll('a')];
		expect(links.map((a) => a.getAttribute('href'))).toEqual(['https://example.com/docs', 'https://auto.example/', 'mailto:mail@example.com']);
		for (const a of links) {
			expect(a.getAttribute('target')).toBe('_blank');
			expect(a.getAttribute('rel')).toBe('noopener noreferrer');
		}
		expect(links[0]!.getAttribute('title')).toBe('The docs');
	});

	test('images become links: no outside image is loaded when a reply is read', () => {
		const box = dom('![a chart](https://example.com/chart.png)');
		expect(box.querySelector('img')).toBeNull();
		expect(box.querySelector('a')?.getAttribute('href')).toBe('https://example.com/chart.png');
		expect(box.querySelector('a')?.textContent).toBe('a chart');
	});

	test('a code block keeps its text exactly, names its language and has a copy button', () => {
		const code = 'const html = "<b>not bold</b>";\nif (a < b && c > d) run();';
		const box = dom(`Here:\n\n\`\`\`ts\n${code}\n\`\`\`\n`);
		expect(box.querySelector('pre code')?.textContent).toBe(code);
		expect(box.querySelector('pre code')?.className).toBe('language-ts');
		expect(box.querySelector('pre b')).toBeNull();
		// It may scroll sideways, so the keyboard can reach it.
		expect(box.querySelector('pre')?.getAttribute('tabindex')).toBe('0');
		expect(box.querySelector('.md-code-lang')?.textContent).toBe('ts');
		const button = box.querySelector(`button[${COPY_ATTRIBUTE}]`);
		expect(button?.textContent).toBe('Copy code');
		expect(button?.getAttribute('type')).toBe('button');
		// A hostile language name is dropped, not spliced into the markup.
		const odd = dom('```"><img src=x onerror=alert(1)>\nx\n```');
		expect(odd.querySelector('img')).toBeNull();
		expect(odd.querySelector('.md-code-lang')).toBeNull();
		expect(odd.querySelector('pre code')?.textContent).toBe('x');
	});

	test('headings start below the page heading', () => {
		const box = dom('# Title\n\n## Part');
		expect(box.querySelector('h1, h2')).toBeNull();
		expect(box.querySelector('h3')?.textContent).toBe('Title');
		expect(box.querySelector('h4')?.textContent).toBe('Part');
	});

	test('an unfinished reply (mid-stream) still renders', () => {
		const box = dom('Start of **bold\n\n```py\nprint(1)');
		expect(box.querySelector('pre code')?.textContent).toContain('print(1)');
	});
});

describe('the sanitizer, behind the renderer', () => {
	test('keeps only the renderer\'s tags and attributes, and safe links', () => {
		const box = window.document.createElement('div');
		box.innerHTML = sanitize(
			'<p onclick="x()">p</p><a href="javascript:alert(1)">js</a><a href="https://ok.example" target="_self">ok</a><img src=x onerror=alert(1)><script>alert(1)</script><iframe></iframe><button data-evil="1" formaction="https://evil.example">b</button>'
		);
		expect(box.querySelector('script, img, iframe')).toBeNull();
		expect(box.querySelector('p')?.getAttribute('onclick')).toBeNull();
		const [js, ok] = [...box.querySelectorAll('a')];
		expect(js!.getAttribute('href')).toBeNull();
		expect(ok!.getAttribute('href')).toBe('https://ok.example/');
		expect(ok!.getAttribute('target')).toBe('_blank');
		expect(ok!.getAttribute('rel')).toBe('noopener noreferrer');
		expect(box.querySelector('button')?.getAttribute('data-evil')).toBeNull();
		expect(box.querySelector('button')?.getAttribute('formaction')).toBeNull();
	});

	test('safeUrl allows absolute http(s) and mailto only', () => {
		expect(safeUrl('https://example.com/a b')).toBe('https://example.com/a%20b');
		expect(safeUrl('mailto:me@example.com')).toBe('mailto:me@example.com');
		for (const bad of ['javascript:alert(1)', ' JAVASCRIPT:alert(1)', 'data:text/html,x', 'file:///etc/passwd', '/relative', '//evil.example', '', null, undefined]) {
			expect(safeUrl(bad), String(bad)).toBeNull();
		}
	});
});
