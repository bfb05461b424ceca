import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import postgres from 'postgres';
import { projectRoot } from '../../scripts/build-state';
import { applyMigrations } from '../../src/lib/server/db/migrate';
import { inject } from 'vitest';

import { TEST_DATABASE_PREFIX } from './names';

export interface TestDatabase {
	name: string;
	url: string;
	/** A small pool on the database, for assertions. */
	sql: postgres.Sql;
	drop(): Promise<void>;
}

/** A new database on the run's server, empty or migrated: each test file gets its own. */
export async function freshDatabase({ migrated = false }: { migrated?: boolean } = {}): Promise<TestDatabase> {
	const adminUrl = inject('adminDatabaseUrl');
	const name = TEST_DATABASE_PREFIX + randomBytes(6).toString('hex');
	const admin = postgres(adminUrl, { max: 1, onnotice: () => {} });
	try {
		await admin.unsafe(`create database "${name}"`);
	} finally {
		await admin.end({ timeout: 5 });
	}
	const url = withDatabase(adminUrl, name);
	if (migrated) await applyMigrations(url, join(projectRoot, 'drizzle'));
	const sql = postgres(url, { max: 2, onnotice: () => {} });
	return {
		name,
		url,
		sql,
		async drop() {
			await sql.end({ timeout: 5 });
			const dropper = postgres(adminUrl, { max: 1, onnotice: () => {} });
			try {
				await dropper.unsafe(`drop database if exists "${name}" with (force)`);
			} finally {
				await dropper.end({ timeout: 5 });
			}
		}
	};
}

export function withDatabase(url: string, database: string): string {
	const u = new URL(url);
	u.pathname = `/${database}`;
	return u.toString();
}
