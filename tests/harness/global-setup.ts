import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import postgres from 'postgres';
import type { TestProject } from 'vitest/node';
import { ensureBuilt } from '../../scripts/build-state';
import { startEmbeddedPostgres } from '../../src/lib/server/db/embedded/server';
import { createLogger } from '../../src/lib/server/observability/logger';
import { TEST_DATABASE_PREFIX } from './names';

declare module 'vitest' {
	export interface ProvidedContext {
		/** Superuser URL of the server test databases are created on. */
		adminDatabaseUrl: string;
		/** "embedded" (PostgreSQL 18 started for this run) or "external" (TEST_DATABASE_URL). */
		databaseKind: 'embedded' | 'external';
	}
}

/**
 * Once per run: make sure the app is built (tests drive the real production entry), then
 * start one embedded PostgreSQL 18 for the whole run, unless TEST_DATABASE_URL names a server.
 */
export default async function setup(project: TestProject) {
	await ensureBuilt();
	const external = process.env.TEST_DATABASE_URL;
	if (external) {
		await dropLeftovers(external);
		project.provide('adminDatabaseUrl', external);
		project.provide('databaseKind', 'external');
		return async () => dropLeftovers(external);
	}
	const dataDir = mkdtempSync(join(tmpdir(), 'elygate-test-pg-'));
	const embedded = await startEmbeddedPostgres({
		dataDir,
		log: createLogger('warn', { json: true }),
		noFsync: true,
		database: 'postgres'
	});
	project.provide('adminDatabaseUrl', embedded.adminUrl);
	project.provide('databaseKind', 'embedded');
	return async () => {
		await embedded.stop();
		rmSync(dataDir, { recursive: true, force: true });
	};
}

/** Databases an interrupted earlier run left on a shared server. */
async function dropLeftovers(adminUrl: string): Promise<void> {
	const sql = postgres(adminUrl, { max: 1, onnotice: () => {} });
	try {
		const rows = await sql<{ datname: string }[]>`select datname from pg_database where datname like ${TEST_DATABASE_PREFIX + '%'}`;
		for (const { datname } of rows) await sql.unsafe(`drop database if exists "${datname}" with (force)`);
	} finally {
		await sql.end({ timeout: 5 });
	}
}
