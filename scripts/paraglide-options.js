/**
 * How Paraglide compiles messages/*.json into src/lib/paraglide (docs/i18n.md). Shared by the
 * Vite plugin (builds, dev) and scripts/i18n-compile.ts (type checks and tests outside Vite).
 *
 * Strategy, first match wins: on the client, the language the server rendered the page in
 * (`custom-document`, defined in src/hooks.client.ts), so hydration never disagrees with the HTML;
 * on the server, the viewer's choice (`custom-choice`: the elygate_locale cookie), then
 * Accept-Language (`custom-header`: any Chinese reads Simplified Chinese), both defined in
 * src/lib/server/i18n/handle.ts, then English. Paraglide's own `cookie` strategy is not used: its
 * browser runtime writes the cookie on every page load, which would turn a guess into a choice.
 */
/** @type {{ project: string; outdir: string; strategy: ("custom-document" | "custom-choice" | "custom-header" | "baseLocale")[]; emitTsDeclarations: boolean }} */
export const paraglideOptions = {
	project: './project.inlang',
	outdir: './src/lib/paraglide',
	strategy: ['custom-document', 'custom-choice', 'custom-header', 'baseLocale'],
	emitTsDeclarations: false
};
