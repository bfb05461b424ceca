import createDOMPurify, { type Config, type WindowLike } from 'dompurify';
import { Marked, type Tokens } from 'marked';

/**
 * A model's reply as safe HTML. Two layers, so that one mistake is not enough:
 *
 * 1. marked renders the Markdown with our own rules: raw HTML in the reply is shown as text
 *    (escaped), never parsed; a link is kept only when it is http(s) or mailto and opens in a
 *    new tab without the opener; images become links (the page's CSP loads no outside image,
 *    and a reply should not be able to ping a server when it is read); code blocks get a copy
 *    button and a language label.
 * 2. DOMPurify then keeps only the tags and attributes this renderer produces.
 *
 * The sanitizer needs a DOM: the page passes `window`, the unit test a jsdom window.
 */

export interface MarkdownLabels {
	/** The copy button of a code block. */
	copyCode: string;
}

export type RenderMarkdown = (source: string, labels: MarkdownLabels) => string;

/** The attribute that marks a code block's copy button (the page listens for clicks on it). */
export const COPY_ATTRIBUTE = 'data-copy-code';

const ALLOWED_TAGS = [
	'a', 'p', 'br', 'strong', 'em', 'del', 'code', 'pre', 'blockquote', 'ul', 'ol', 'li',
	'h3', 'h4', 'h5', 'h6', 'hr', 'table', 'thead', 'tbody', 'tr', 'th', 'td', 'div', 'span', 'button'
];
const ALLOWED_ATTR = ['href', 'title', 'target', 'rel', 'class', 'type', 'start', 'align', COPY_ATTRIBUTE];
const SAFE_PROTOCOLS = new Set(['http:', 'https:', 'mailto:']);
const PURIFY: Config = {
	ALLOWED_TAGS,
	ALLOWED_ATTR,
	ALLOW_DATA_ATTR: false,
	ALLOW_ARIA_ATTR: false
};

export function escapeHtml(text: string): string {
	return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}

/** An absolute http(s) or mailto URL, normalised; anything else (javascript:, data:, relative) is null. */
export function safeUrl(href: string | null | undefined): string | null {
	if (!href) return null;
	try {
		const url = new URL(href.trim());
		return SAFE_PROTOCOLS.has(url.protocol) ? url.href : null;
	} catch {
		return null;
	}
}

function anchor(url: string, inner: string, title?: string | null): string {
	const titled = title ? ` title="${escapeHtml(title)}"` : '';
	return `<a href="${escapeHtml(url)}"${titled} target="_blank" rel="noopener noreferrer">${inner}</a>`;
}

function markedFor(labels: MarkdownLabels): Marked {
	return new Marked({
		gfm: true,
		breaks: true,
		async: false,
		renderer: {
			html({ text, block }: Tokens.HTML | Tokens.Tag) {
				const shown = escapeHtml(text);
				return block ? `<p>${shown}</p>\n` : shown;
			},
			link({ href, title, tokens }: Tokens.Link) {
				const inner = this.parser.parseInline(tokens);
				const url = safeUrl(href);
				return url ? anchor(url, inner, title) : inner;
			},
			image({ href, title, text }: Tokens.Image) {
				const label = escapeHtml(text || href);
				const url = safeUrl(href);
				return url ? anchor(url, label, title) : label;
			},
			heading({ tokens, depth }: Tokens.Heading) {
				// Below the page's own h1 and h2, so a reply cannot outrank the page.
				const level = Math.min(6, depth + 2);
				return `<h${level}>${this.parser.parseInline(tokens)}</h${level}>\n`;
			},
			checkbox({ checked }: Tokens.Checkbox) {
				return checked ? '☑ ' : '☐ ';
			},
			code({ text, lang }: Tokens.Code) {
				const first = (lang ?? '').trim().split(/\s+/)[0] ?? '';
				const language = /^[\w+#.-]{1,30}$/.test(first) ? first : '';
				const tag = language ? `<span class="md-code-lang">${escapeHtml(language)}</span>` : '<span></span>';
				return (
					`<div class="md-code"><div class="md-code-bar">${tag}` +
					`<button type="button" class="md-copy" ${COPY_ATTRIBUTE}="">${escapeHtml(labels.copyCode)}</button></div>` +
					`<pre><code${language ? ` class="language-${escapeHtml(language)}"` : ''}>${escapeHtml(text)}</code></pre></div>\n`
				);
			}
		}
	});
}

/**
 * The sanitizer alone, bound to a window (its DOM does the parsing): only this renderer's tags
 * and attributes survive, and every link left opens in a new tab with
 * `rel="noopener noreferrer"` and an http(s) or mailto address, or loses its address.
 */
export function createSanitizer(win: WindowLike): (html: string) => string {
	const purify = createDOMPurify(win);
	purify.addHook('afterSanitizeAttributes', (node) => {
		// Code and tables scroll sideways inside the reply: reachable by keyboard too.
		if (node.nodeName === 'PRE' || node.nodeName === 'TABLE') node.setAttribute('tabindex', '0');
		if (node.nodeName === 'A') {
			const url = safeUrl(node.getAttribute('href'));
			if (url) node.setAttribute('href', url);
			else node.removeAttribute('href');
			node.setAttribute('target', '_blank');
			node.setAttribute('rel', 'noopener noreferrer');
		}
	});
	return (html) => purify.sanitize(html, PURIFY);
}

/** A Markdown renderer bound to a window: marked with the rules above, then the sanitizer. */
export function createMarkdownRenderer(win: WindowLike): RenderMarkdown {
	const sanitize = createSanitizer(win);
	const parsers = new Map<string, Marked>();
	return (source, labels) => {
		let marked = parsers.get(labels.copyCode);
		if (!marked) parsers.set(labels.copyCode, (marked = markedFor(labels)));
		return sanitize(marked.parse(source, { async: false })).trim();
	};
}
