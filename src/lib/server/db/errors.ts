/** The fields we may inspect on a PostgreSQL error (never `detail`: it holds row values). */
export interface PgErrorFields {
	code?: string;
	/** The server's primary message; it may quote the offending value (see describeDbError). */
	message?: string;
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

/**
 * True when PostgreSQL refused a statement for the data it carries, which no retry can cure:
 * SQLSTATE class 22 (data exception: out of range, invalid text, ...), 23 (integrity constraint
 * violation) and 54 (program limit exceeded). Connection loss (08), shutdown (57P01), deadlocks
 * (40) and the like are not: the same statement may succeed later.
 * https://www.postgresql.org/docs/current/errcodes-appendix.html
 */
export function isDataError(err: unknown): boolean {
	const code = pgErrorOf(err)?.code;
	return code !== undefined && (code.startsWith('22') || code.startsWith('23') || code.startsWith('54'));
}

/**
 * The SQLSTATE and the server's message of a database error, fit to store or show: never its
 * `detail` (which holds row values) nor the statement's parameters, and with quoted values in
 * the message (PostgreSQL quotes the offending value, sometimes a whole array parameter)
 * replaced by an ellipsis; quoted identifiers such as constraint names stay.
 */
export function describeDbError(err: unknown): { code: string | null; message: string } {
	const pg = pgErrorOf(err);
	if (!pg) return { code: null, message: err instanceof Error ? err.message : String(err) };
	const message = (pg.message ?? '').replace(/"([^"]*)"/g, (quoted, inner: string) => (IDENTIFIER.test(inner) ? quoted : '"…"'));
	return { code: pg.code ?? null, message: message.slice(0, 500) };
}

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_$]{0,62}$/;
