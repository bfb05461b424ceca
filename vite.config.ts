import { paraglideVitePlugin } from '@inlang/paraglide-js';
import { sveltekit } from '@sveltejs/kit/vite';
import tailwindcss from '@tailwindcss/vite';
import { defineConfig } from 'vite';
import { paraglideOptions } from './scripts/paraglide-options.js';

export default defineConfig({
	plugins: [paraglideVitePlugin(paraglideOptions), tailwindcss(), sveltekit()]
});
