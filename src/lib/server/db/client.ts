import { drizzle, type PostgresJsDatabase } from 'drizzle-orm/postgres-js';
import postgres, { type Sql } from 'postgres';
import { dbQueries } from '../observability/metrics';
import * as schema from './schema';

export type Schema = typeof schema;
/** `$client` is the pool under it, for what needs one connection to itself (session advisory locks). */
export type Db = PostgresJsDatabase<Schema> & { $client: Sql };

export interface PoolOptions {
	max: number;
	/** Seconds to wait for a TCP connection before failing the query. */
	connectTimeout?: number;
	/** Label for the query counter; unset = not counted (tools, tests). */
	metricsName?: string;
}

/** A postgres.js pool and the Drizzle handle over it. */
export function createPool(url: string, { max, connectTimeout = 10, metricsName }: PoolOptions): { sql: Sql; db: Db } {
	const counter = metricsName ? dbQueries.labels(metricsName) : undefined;
	const sql = postgres(url, {
		max,
		idle_timeout: 60,
		connect_timeout: connectTimeout,
		onnotice: () => {},
		connection: { application_name: 'elygate' },
		// Every query passes here: counting them is how a test proves the relay makes none.
		...(counter ? { debug: () => counter.inc() } : {})
	});
	return { sql, db: drizzle(sql, { schema }) };
}

/** A transaction handle: services accept either, so callers can compose them in one transaction. */
export type Tx = Parameters<Parameters<Db['transaction']>[0]>[0];
export type DbLike = Db | Tx;
