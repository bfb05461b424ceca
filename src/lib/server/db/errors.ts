/** The fields we may inspect on a PostgreSQL error (never `detail`: it holds row values). */
export interface PgErrorFields {
	code?: string;
	constraint_name?: string;
	table_name?: string;
	routine?: string;
}

/** The postgres.js error behind `err`, if any; Drizzle wraps it as `cause`. */
export function pgErrorOf(err: unknown): PgErrorFields | undefined {
	let current: unknown = err;
	for (let depth = 0; depth < 4 && current instanceof Error; depth++) {
		if (current.name === 'PostgresError') return current as PgErrorFields;
		current = current.cause;
	}
	return undefined;
}

/** True when `err` is a unique violation, optionally of the named constraint or index. */
export function isUniqueViolation(err: unknown, constraint?: string): boolean {
	const pg = pgErrorOf(err);
	return pg?.code === '23505' && (constraint === undefined || pg.constraint_name === constraint);
}
