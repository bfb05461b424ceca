import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

// Runs under Bun (`bun --bun vitest`): the code under test uses Bun's APIs, and integration
// tests spawn the built production entry and talk to it over HTTP.
export default defineConfig({
	resolve: {
		alias: { $lib: fileURLToPath(new URL('./src/lib', import.meta.url)) }
	},
	test: {
		include: ['src/**/*.test.ts', 'tests/**/*.test.ts'],
		exclude: ['tests/fixtures/**', 'node_modules/**'],
		globalSetup: ['tests/harness/global-setup.ts'],
		pool: 'forks',
		testTimeout: 30_000,
		hookTimeout: 90_000,
		teardownTimeout: 30_000
	}
});
