/**
 * What the three source drivers share: the identifier check, the SELECTs they send (each
 * dialect only quotes and numbers its parameters differently), masking the URL for the label,
 * and turning a driver's failure into a one-line SourceError.
 */
import { NEWAPI_TABLES, SourceError, type NewApiSource, type NewApiTable, type PageRequest, type SourceDialect, type SourceRow } from './source';

const IDENTIFIER = /^[a-z_][a-z0-9_]*$/;

/**
 * Table and column names come from the importer's fixed lists, but they are interpolated into
 * SQL (placeholders cannot stand for names), so anything else is refused before it gets there.
 */
export function checkedIdentifier(name: string): string {
	if (!IDENTIFIER.test(name)) throw new SourceError(`not a New-API column or table name: ${JSON.stringify(name)}`);
	return name;
}

export function checkedTable(table: string): NewApiTable {
	if (!(NEWAPI_TABLES as readonly string[]).includes(table)) throw new SourceError(`not a New-API table: ${JSON.stringify(table)}`);
	return table as NewApiTable;
}

export interface Dialect {
	/** Quotes a checked identifier: New-API has columns named `key` and `group`. */
	quote(name: string): string;
	/** The n-th (1-based) parameter's placeholder. */
	placeholder(n: number): string;
}

export interface Query {
	text: string;
	params: number[];
}

function selectList(d: Dialect, table: string, columns: readonly string[]): string {
	if (columns.length === 0) throw new SourceError(`no columns asked of ${table}`);
	return `select ${columns.map((c) => d.quote(checkedIdentifier(c))).join(', ')} from ${d.quote(checkedIdentifier(checkedTable(table)))}`;
}

export function selectAll(d: Dialect, table: string, columns: readonly string[], orderBy?: string): Query {
	const order = orderBy === undefined ? '' : ` order by ${d.quote(checkedIdentifier(orderBy))}`;
	return { text: selectList(d, table, columns) + order, params: [] };
}

/** Keyset paging on id: `id > afterId`, optionally `created_at >= from` and `type = t`, at most `limit` rows. */
export function selectPage(d: Dialect, table: string, columns: readonly string[], page: PageRequest): Query {
	for (const [name, value] of [['afterId', page.afterId], ['limit', page.limit], ['createdAtFrom', page.createdAtFrom], ['type', page.type]] as const) {
		if (value !== undefined && !Number.isSafeInteger(value)) throw new SourceError(`${name} must be an integer, not ${value}`);
	}
	if (page.limit < 1) throw new SourceError(`limit must be at least 1, not ${page.limit}`);
	const params: number[] = [page.afterId];
	const where = [`${d.quote('id')} > ${d.placeholder(1)}`];
	if (page.createdAtFrom !== undefined) {
		params.push(page.createdAtFrom);
		where.push(`${d.quote('created_at')} >= ${d.placeholder(params.length)}`);
	}
	if (page.type !== undefined) {
		params.push(page.type);
		where.push(`${d.quote('type')} = ${d.placeholder(params.length)}`);
	}
	params.push(page.limit);
	const text = `${selectList(d, table, columns)} where ${where.join(' and ')} order by ${d.quote('id')} limit ${d.placeholder(params.length)}`;
	return { text, params };
}

/**
 * Integers come back as numbers while they are exact, as decimal strings beyond 2^53 (what
 * mysql2 does with supportBigNumbers): the row schemas coerce both, and nothing is rounded.
 */
export function integerValue(value: bigint): number | string {
	const n = Number(value);
	return Number.isSafeInteger(n) ? n : value.toString();
}

/** The URL as reports and the audit log may show it: the password (in the user part or a `password` parameter) is `***`. */
export function maskedUrl(url: URL): string {
	const masked = new URL(url.href);
	if (masked.password) masked.password = '***';
	if (masked.searchParams.has('password')) masked.searchParams.set('password', '***');
	return masked.href.replace('password=%2A%2A%2A', 'password=***');
}

/** Error codes that mean nothing answered at that address (as opposed to a server that answered no). */
const UNREACHABLE = new Set(['ECONNREFUSED', 'ETIMEDOUT', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'ECONNRESET', 'CONNECT_TIMEOUT', 'PROTOCOL_CONNECTION_LOST']);

interface DriverError {
	message: string;
	code?: string;
}

function driverError(err: unknown): DriverError {
	// Node's net layer reports a host with several addresses as an AggregateError with an empty message.
	if (err instanceof AggregateError && err.errors.length > 0 && !err.message) return driverError(err.errors[0]);
	if (err instanceof Error) {
		const code = 'code' in err && typeof err.code === 'string' ? err.code : undefined;
		return { message: err.message || code || err.name, code };
	}
	return { message: String(err) };
}

/** The driver's reason on one line, without the address the message names already. */
function reason(err: DriverError, where: string): string {
	const line = err.message.split('\n')[0]!.split(where).join('').replace(/\s+/g, ' ').trim();
	return line || err.code || 'unknown error';
}

/** A failure while connecting: `cannot reach …` when nothing answered, `cannot open …` when the server said no. */
export function openFailure(err: unknown, where: string): SourceError {
	if (err instanceof SourceError) return err;
	const e = driverError(err);
	const verb = e.code !== undefined && UNREACHABLE.has(e.code) ? 'reach' : 'open';
	return new SourceError(`cannot ${verb} the New-API database at ${where} (${reason(e, where)})`, { cause: err });
}

/** A failure of one read on a connection that opened. */
export function readFailure(err: unknown, where: string, table: string): SourceError {
	if (err instanceof SourceError) return err;
	return new SourceError(`cannot read ${table} from the New-API database at ${where} (${reason(driverError(err), where)})`, { cause: err });
}

/** `host:port` as the messages name a server, with the dialect's default port when the URL has none. */
export function hostPort(url: URL, defaultPort: number): string {
	return `${url.hostname || 'localhost'}:${url.port || defaultPort}`;
}

/**
 * The reading every driver does the same way; a driver says how its engine lists tables and
 * columns and runs one query, turning its failures into SourceErrors.
 */
export abstract class SqlSource implements NewApiSource {
	abstract readonly dialect: SourceDialect;
	/** How the engine quotes names and numbers parameters. */
	protected abstract readonly syntax: Dialect;
	/** The tables of the database, as rows with a `name`. */
	protected abstract readonly tablesQuery: string;
	/** The columns of the table given as the one parameter, as rows with a `name`. */
	protected abstract readonly columnsQuery: string;

	constructor(readonly label: string) {}

	/** One read; `what` names it in an error (a table, or the catalogue). */
	protected abstract query(what: string, text: string, params: ReadonlyArray<string | number>): Promise<SourceRow[]>;
	/** One statement on the source's own connection, as the engine allows it: the tests prove a write is refused. */
	abstract run(statement: string): Promise<unknown>;
	abstract close(): Promise<void>;

	async tables(): Promise<Set<string>> {
		return names(await this.query('the table list', this.tablesQuery, []));
	}

	async columns(table: NewApiTable): Promise<Set<string>> {
		return names(await this.query(checkedTable(table), this.columnsQuery, [table]));
	}

	async readAll(table: NewApiTable, columns: readonly string[], orderBy?: string): Promise<SourceRow[]> {
		const q = selectAll(this.syntax, table, columns, orderBy);
		return this.query(table, q.text, q.params);
	}

	async readPage(table: NewApiTable, columns: readonly string[], page: PageRequest): Promise<SourceRow[]> {
		const q = selectPage(this.syntax, table, columns, page);
		return this.query(table, q.text, q.params);
	}
}

const names = (rows: SourceRow[]) => new Set(rows.map((r) => String(r.name).toLowerCase()));
