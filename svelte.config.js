import adapter from 'svelte-adapter-bun';
import { vitePreprocess } from '@sveltejs/vite-plugin-svelte';

/** @type {import('@sveltejs/kit').Config} */
const config = {
	preprocess: vitePreprocess(),
	kit: {
		// Static assets are served by the adapter's handler; the production entry
		// (src/server.ts) wraps it and owns Bun.serve.
		adapter: adapter({ out: 'build', precompress: true }),
		// Our own origin check in hooks.server.ts replaces Kit's: Kit's runs before the
		// hooks and cannot exempt bearer-authenticated requests (/v1, /api with a token).
		csrf: { trustedOrigins: ['*'] },
		// SvelteKit puts a nonce (or, on prerendered pages, a hash) on its own inline scripts,
		// so no other script runs. Styles stay 'unsafe-inline': Svelte and the chart library
		// set style attributes at run time. The header goes out with every page (README
		// "Security"); hooks.server.ts adds the headers that are not CSP.
		csp: {
			mode: 'auto',
			directives: {
				'default-src': ['self'],
				'script-src': ['self'],
				'style-src': ['self', 'unsafe-inline'],
				'img-src': ['self', 'data:'],
				'font-src': ['self'],
				'connect-src': ['self'],
				'object-src': ['none'],
				'base-uri': ['self'],
				// No form-action: browsers apply it to a form's redirects too, and the top-up form
				// redirects to Stripe Checkout.
				'frame-ancestors': ['none']
			}
		}
	}
};

export default config;
