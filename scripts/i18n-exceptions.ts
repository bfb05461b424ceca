/**
 * What the catalogue check (scripts/i18n-lint.ts) lets stay literal, in one place. Keep it
 * short: each entry is text that reads the same in every language, or is not for people.
 */

/** Names and symbols that are the same in English and Chinese. */
export const ALLOWED_TEXT: ReadonlySet<string> = new Set([
	'Elygate',
	'·',
	'—',
	'…',
	'/',
	'×',
	'→',
	'←',
	'↑',
	'↓',
	'☰',
	'✓',
	'✕',
	// A key's name (event.key), the same on every keyboard.
	'Enter',
	'English',
	'简体中文',
	'OpenAI',
	'Anthropic',
	'Gemini',
	'Stripe',
	'JSON',
	'CSV',
	'API',
	'ID',
	'USD',
	'RPM',
	'TPM',
	'IP',
	'URL',
	'SQLite',
	'MySQL',
	'PostgreSQL',
	'New-API',
	// Browsers and systems, named on the account page's list of sessions.
	'Edge',
	'Firefox',
	'Chrome',
	'Safari',
	'Windows',
	'Android',
	'Linux'
]);

/** Elements whose text is code or data, shown as is (a key, a command, a model id). */
export const EXEMPT_TAGS: ReadonlySet<string> = new Set(['code', 'pre', 'kbd', 'samp', 'style', 'script']);

/** The machine-facing doors answer in English with stable codes (docs/i18n.md). */
export const MACHINE_ROUTES: readonly RegExp[] = [/^src\/routes\/(api|v1|metrics)\//];

/** Files that hold no visible text of their own. */
export const EXEMPT_FILES: readonly RegExp[] = [/\/\$types/, /\.d\.ts$/];
