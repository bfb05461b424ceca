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
		csrf: { trustedOrigins: ['*'] }
	}
};

export default config;
