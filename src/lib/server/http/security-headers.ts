/**
 * Headers every console and /api answer carries, besides the Content-Security-Policy that
 * SvelteKit writes for pages (svelte.config.js). X-Frame-Options is for browsers that predate
 * CSP's frame-ancestors; nosniff keeps JSON and text from being run as script or style.
 */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
	'x-frame-options': 'DENY',
	'x-content-type-options': 'nosniff',
	'referrer-policy': 'strict-origin-when-cross-origin'
};
