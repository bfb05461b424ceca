/**
 * How Paraglide compiles messages/*.json into src/lib/paraglide (docs/i18n.md). Shared by the
 * Vite plugin (builds, dev) and scripts/i18n-compile.ts (type checks and tests outside Vite).
 *
 * Strategy, first match wins: on the client, the language the server rendered the page in
 * (`custom-document`, defined in src/hooks.client.ts), so hydration never disagrees with the HTML;
 * on the server, the viewer's choice (cookie), then Accept-Language (`custom-header`, defined in
 * src/lib/server/i18n/handle.ts: any Chinese reads Simplified Chinese), then English.
 */
/** @type {{ project: string; outdir: string; strategy: ("custom-document" | "cookie" | "custom-header" | "baseLocale")[]; cookieName: string; emitTsDeclarations: boolean }} */
export const paraglideOptions = {
	project: './project.inlang',
	outdir: './src/lib/paraglide',
	strategy: ['custom-document', 'cookie', 'custom-header', 'baseLocale'],
	cookieName: 'elygate_locale',
	emitTsDeclarations: false
};
