import type { Sql } from 'postgres';
import type { Logger } from '../observability/logger';
import { createPool, type Db } from './client';
import { startEmbeddedPostgres, type EmbeddedPostgres } from './embedded/server';

export type { Db, DbLike, Tx } from './client';

export interface Database {
	db: Db;
	sql: Sql;
	url: string;
	mode: 'embedded' | 'external';
	close(): Promise<void>;
}

export interface OpenOptions {
	databaseUrl: string | undefined;
	dataDir: string;
	poolSize: number;
	log: Logger;
	noFsync?: boolean;
}

/** DATABASE_URL when given, else the embedded PostgreSQL in the data dir. */
export async function openDatabase(opts: OpenOptions): Promise<Database> {
	let embedded: EmbeddedPostgres | undefined;
	let url = opts.databaseUrl;
	if (!url) {
		embedded = await startEmbeddedPostgres({ dataDir: opts.dataDir, log: opts.log, noFsync: opts.noFsync });
		url = embedded.url;
	}
	const { sql, db } = createPool(url, { max: opts.poolSize, connectTimeout: 5, metricsName: 'main' });
	const database: Database = {
		db,
		sql,
		url,
		mode: embedded ? 'embedded' : 'external',
		async close() {
			await sql.end({ timeout: 5 });
			await embedded?.stop();
		}
	};
	return database;
}
