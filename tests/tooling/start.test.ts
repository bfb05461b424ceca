import { expect, test } from 'vitest';
import { freshDatabase } from '../harness/database';
import { eventually } from '../harness/eventually';
import { startServer } from '../harness/server';

test('`bun run start` on a terminal prints the setup URL last, on its own line, set apart by blank lines', async () => {
	const db = await freshDatabase();
	// The run's global setup has built the app, so this start does not build.
	const server = await startServer({ entry: 'scripts/start.ts', env: { DATABASE_URL: db.url, LOG_FORMAT: 'pretty' } });
	let setupUrl: string;
	try {
		setupUrl = await eventually(() => {
			const url = new RegExp(`^${server.url.replaceAll('.', '\\.')}/setup\\?token=[a-z2-7]{32}$`, 'm').exec(server.output())?.[0];
			expect(url).toBeDefined();
			return url!;
		});
	} finally {
		expect(await server.stop('SIGTERM')).toBe(0);
		await db.drop();
	}
	// Everything printed before the shutdown began.
	const beforeShutdown = server.output().split(/^.*SIGTERM: shutting down.*$/m)[0]!;
	expect(beforeShutdown.endsWith(`\n\nNo root account yet. Open this URL to create it (it works once):\n\n${setupUrl}\n\n`)).toBe(true);
	expect(beforeShutdown.indexOf('Elygate is listening on')).toBeGreaterThan(-1);
	expect(beforeShutdown.indexOf('Elygate is listening on')).toBeLessThan(beforeShutdown.indexOf('No root account yet'));
	expect(beforeShutdown).not.toContain('setupUrl'); // not also as a log field
	expect(beforeShutdown).not.toContain('{"level"'); // pretty, as on a terminal
});
