import ipaddr from 'ipaddr.js';

/**
 * Upstream error messages go to our clients, who must not learn where we relay to or with
 * which credentials. Each rule below removes one kind of leak; they run in order, so the
 * broad ones (URLs) go first and the catch-all for long opaque tokens goes last.
 */

const MAX_LENGTH = 1000;
// An upstream can answer with a whole HTML page; no point scanning far past what we keep.
const MAX_SCAN = 8000;

type Rule = (text: string) => string;

export function scrubUpstreamMessage(message: string): string {
	let text = message.slice(0, MAX_SCAN);
	for (const rule of RULES) text = rule(text);
	return cap(text.trim());
}

function cap(text: string): string {
	if (text.length <= MAX_LENGTH) return text;
	let cut = text.slice(0, MAX_LENGTH - 1);
	// Never leave half of a surrogate pair dangling before the ellipsis.
	if (/[\uD800-\uDBFF]$/.test(cut)) cut = cut.slice(0, -1);
	return cut.trimEnd() + '…';
}

// ---- URLs ---------------------------------------------------------------------------------

const URL_RE = /\b(?:https?|wss?):\/\/[^\s"'`<>]+/gi;
const CLOSERS: Record<string, string> = { ')': '(', ']': '[', '}': '{' };

/** Sentence punctuation after a URL, and closers it did not open, belong to the prose. */
function splitTrailing(text: string): [core: string, rest: string] {
	const tally = countBrackets(text);
	let end = text.length;
	while (end > 0) {
		const ch = text.charAt(end - 1);
		const opener = CLOSERS[ch];
		if (opener !== undefined && (tally.get(ch) ?? 0) > (tally.get(opener) ?? 0)) tally.set(ch, (tally.get(ch) ?? 0) - 1);
		else if (!'.,;:!?'.includes(ch)) break;
		end--;
	}
	return [text.slice(0, end), text.slice(end)];
}

function countBrackets(text: string): Map<string, number> {
	const tally = new Map<string, number>();
	for (const ch of text) if ('()[]{}'.includes(ch)) tally.set(ch, (tally.get(ch) ?? 0) + 1);
	return tally;
}

const scrubUrls: Rule = (text) => text.replace(URL_RE, (url) => '[url]' + splitTrailing(url)[1]);

// ---- Credentials --------------------------------------------------------------------------

/** Header-ish values are only secrets if they look like one ("x-api-key: invalid" is prose). */
function looksLikeCredential(value: string): boolean {
	return (value.length >= 8 && /\d/.test(value)) || value.length >= 20 || value.includes('*');
}

const JWT_RE = /\beyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*/g;
const BEARER_RE = /\b(Bearer\s+)([A-Za-z0-9._~+/-]*[A-Za-z0-9_~+/-]=*)/gi;

// `name=value` is unambiguous, so any value goes; "token" and "key" are only safe here.
const ASSIGNED_RE =
	/(?<![\w-])(["']?)(x-api-key|x-goog-api-key|api[-_]?key|access[-_]?token|refresh[-_]?token|client[-_]?secret|secret|password|token|key)\1(\s*=\s*)(["']?)[^\s"'&,;)]*[^\s"'&,;).]/gi;
// `name: value` appears in prose too ("invalid x-api-key: please check it"), hence the value test.
const LABELLED_RE =
	/(?<![\w-])(["']?)(x-api-key|x-goog-api-key|api[-_]?key|access[-_]?token|client[-_]?secret|password)\1(\s*:\s*)(["']?)([^\s"',;]*[^\s"',;.])/gi;

const scrubJwts: Rule = (text) => text.replace(JWT_RE, '[redacted]');

const scrubBearer: Rule = (text) =>
	text.replace(BEARER_RE, (match, prefix: string, token: string) => (looksLikeCredential(token) ? prefix + '[redacted]' : match));

const scrubAssigned: Rule = (text) =>
	text.replace(ASSIGNED_RE, (_match, q: string, name: string, sep: string, vq: string) => `${q}${name}${q}${sep}${vq}[redacted]`);

const scrubLabelled: Rule = (text) =>
	text.replace(LABELLED_RE, (match, q: string, name: string, sep: string, vq: string, value: string) =>
		vq || looksLikeCredential(value) ? `${q}${name}${q}${sep}${vq}[redacted]` : match
	);

// Provider key shapes. OpenAI masks keys it echoes back (sk-abc***xyz, sk-proj-****…abcd), and
// even the visible ends of a key are the caller's business, not every client's.
const PROVIDER_KEY_RES: readonly RegExp[] = [
	/(?<![\w-])sk-(?:[A-Za-z0-9_*•…-]|\.{1,3}(?=[A-Za-z0-9_*•…-])){3,}/g,
	/\bAIza[A-Za-z0-9_-]{10,}/g,
	/\b(?:org|user)-[A-Za-z0-9]{20,}\b/g,
	/\bproj_[A-Za-z0-9]{20,}\b/g,
	/\b(?:AKIA|ASIA)[0-9A-Z]{16}\b/g,
	// Any other masked value: a run of 3+ mask characters with key material on either side.
	/(?<![A-Za-z0-9_*•-])(?:[A-Za-z0-9_-]+(?:\*{3,}|•{3,})[A-Za-z0-9_*•-]*|(?:\*{3,}|•{3,})[A-Za-z0-9_-]+)/g
];

const scrubProviderKeys: Rule = (text) => PROVIDER_KEY_RES.reduce((acc, re) => acc.replace(re, '[redacted]'), text);

// ---- Deployment and resource names ---------------------------------------------------------

// Only quoted names: "the API deployment for this resource does not exist" must survive.
const NAMED_RE = /\b(deployments?|resource(?:\s+group)?|subscription)((?:\s+(?:name|named|id))?\s*[:=]?\s*)(['"`])[^'"`\s]{1,200}\3/gi;
const DEPLOYMENT_PATH_RE = /\b(deployments\/)[^/\s?#"'`<>]+/gi;

const scrubNames: Rule = (text) =>
	text
		.replace(NAMED_RE, (_match, word: string, sep: string, quote: string) => `${word}${sep}${quote}[redacted]${quote}`)
		.replace(DEPLOYMENT_PATH_RE, '$1[redacted]');

// ---- Hosts --------------------------------------------------------------------------------

const BRACKETED_IPV6_RE = /\[(?=[0-9A-Fa-f.]*:)[0-9A-Fa-f:.]{2,45}(?:%[\w.-]{1,32})?\](?::\d{1,5})?/g;
const BARE_IPV6_RE = /(?<![\w:.])(?:[0-9A-Fa-f]{0,4}:){2,7}(?:\d{1,3}(?:\.\d{1,3}){3}|[0-9A-Fa-f]{1,4})?(?![\w:])/g;
const IPV4_RE = /(?<![\w.])(\d{1,3}(?:\.\d{1,3}){3})(?::\d{1,5})?(?!\w|\.\d)/g;

// Dotted names count as hosts only under a TLD that real endpoints use (lower case, as hosts are
// written), so "gpt-4.1-mini", "v1.2.3" and "failed.Please" stay; ccTLDs that double as file
// extensions (.py, .md, .sh) or English words (.in, .me, .us) are left out on purpose.
const TLDS =
	'com|net|org|io|ai|dev|app|cloud|co|cn|uk|eu|de|fr|nl|jp|kr|sg|ch|ca|au|br|ru|info|biz|xyz|tech|run|internal|local|localdomain|localhost|lan|intranet|corp|svc';
const HOSTNAME_RE = new RegExp(
	`(?<![\\w.-])(?:[A-Za-z0-9-]{1,63}\\.)+(?:${TLDS})(?:\\.[A-Za-z0-9-]{1,63})*(?![\\w-])(?::\\d{1,5})?(?:/[^\\s"'\`<>]*)?`,
	'g'
);
const LOCALHOST_RE = /(?<![\w.-])localhost(?::\d{1,5})?(?![\w-])(?:\/[^\s"'`<>]*)?/gi;
// Docker/Kubernetes service names ("ollama:11434") have no dot; a port is their only tell.
const PORTED_NAME_RE = /(?<![\w.:-])([A-Za-z][A-Za-z0-9-]*(?:\.[A-Za-z0-9-]+)*):(\d{2,5})(?![\w.]|:\d)(?:\/[^\s"'`<>]*)?/g;

/** A host followed by a path is a URL without its scheme. */
function hostOrUrl(match: string): string {
	const [core, rest] = splitTrailing(match);
	return (core.includes('/') ? '[url]' : '[host]') + rest;
}

function isIpv4(text: string): boolean {
	return text.split('.').every((octet) => Number(octet) <= 255);
}

// "status:500" is prose; "vllm:8000", "my-llm:80" and "gpu1:8080" are services.
function isServiceName(name: string, port: string): boolean {
	return name.includes('.') || /[-\d]/.test(name) || Number(port) >= 1024;
}

const scrubHosts: Rule = (text) =>
	text
		.replace(BRACKETED_IPV6_RE, '[host]')
		.replace(BARE_IPV6_RE, (match) => (/[0-9a-f]/i.test(match) && ipaddr.IPv6.isValid(match) ? '[host]' : match))
		.replace(IPV4_RE, (match, ip: string) => (isIpv4(ip) ? '[host]' : match))
		.replace(HOSTNAME_RE, hostOrUrl)
		.replace(LOCALHOST_RE, hostOrUrl)
		.replace(PORTED_NAME_RE, (match, name: string, port: string) => (isServiceName(name, port) ? hostOrUrl(match) : match));

// ---- Opaque tokens ------------------------------------------------------------------------

const LONG_TOKEN_RE = /(?<![A-Za-z0-9_-])[A-Za-z0-9_-]{32,}(?![A-Za-z0-9_-])/g;
// UUIDs name Azure subscriptions and tenants; their digit-only groups would slip past the test below.
const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Hashes, keys and ids mix letters and digits in one long run. Model names are just as long
 * ("gpt-4o-mini-realtime-preview-2024-12-17") but made of short words and dates, so a token
 * also needs a single `-`/`_`-free stretch of 10+ characters holding both letters and digits.
 */
function looksOpaque(token: string): boolean {
	if (UUID_RE.test(token)) return true;
	return token.split(/[-_]/).some((part) => part.length >= 10 && /[A-Za-z]/.test(part) && /\d/.test(part));
}

const scrubLongTokens: Rule = (text) => text.replace(LONG_TOKEN_RE, (token) => (looksOpaque(token) ? '[redacted]' : token));

const RULES: readonly Rule[] = [
	scrubUrls,
	scrubJwts,
	scrubBearer,
	scrubAssigned,
	scrubLabelled,
	scrubProviderKeys,
	scrubNames,
	scrubHosts,
	scrubLongTokens
];
