/**
 * A New-API database, read-only, whichever engine it lives on. New-API (GORM) runs on MySQL or
 * MariaDB, PostgreSQL or SQLite with the same table and column names; each driver here opens
 * its engine read-only where the engine allows it and hands rows back as plain objects keyed
 * by column name. Values keep the engine's types, evened out where that costs nothing:
 * integers are numbers while exact and decimal strings beyond 2^53 (all three engines);
 * booleans are true/false on PostgreSQL and 0/1 elsewhere; GORM's float64 is a number except
 * on PostgreSQL (`decimal`: a string); json columns are their text; times (deleted_at) are
 * Dates; text is never a Buffer. The row schemas in rows.ts coerce them.
 */

export type SourceDialect = 'mysql' | 'postgres' | 'sqlite';

/** The tables the import reads, as New-API's GORM models name them. */
export const NEWAPI_TABLES = ['users', 'tokens', 'channels', 'abilities', 'options', 'redemptions', 'logs', 'top_ups'] as const;
export type NewApiTable = (typeof NEWAPI_TABLES)[number];

export type SourceRow = Record<string, unknown>;

export interface PageRequest {
	/** Only rows whose `id` is greater than this (keyset paging). */
	afterId: number;
	limit: number;
	/** Only rows whose `created_at` (unix seconds) is at least this. */
	createdAtFrom?: number;
	/** Only rows whose `type` equals this. */
	type?: number;
}

export interface NewApiSource {
	readonly dialect: SourceDialect;
	/** The connection string with any password masked, for reports and the audit log. */
	readonly label: string;
	/** The tables present in the database (lower-case names). */
	tables(): Promise<Set<string>>;
	/** The columns of one table (lower-case names). */
	columns(table: NewApiTable): Promise<Set<string>>;
	/** Every row of a table, with the listed columns only (each must exist), ordered by `orderBy` when given. */
	readAll(table: NewApiTable, columns: readonly string[], orderBy?: string): Promise<SourceRow[]>;
	/** One page of a table ordered by id (for tables too large to hold at once: logs). */
	readPage(table: NewApiTable, columns: readonly string[], page: PageRequest): Promise<SourceRow[]>;
	close(): Promise<void>;
}

/** The source could not be opened or read: unreachable, refused, not a database. */
export class SourceError extends Error {
	override name = 'SourceError';
}
