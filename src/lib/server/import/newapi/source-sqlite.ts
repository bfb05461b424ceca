/**
 * A New-API database in a SQLite file, through bun:sqlite, opened read-only (a missing file is
 * an error, never created) with `query_only` on as well. Integers are read exactly (numbers
 * while safe, strings beyond); columns GORM declared `datetime` (deleted_at) come back as Dates,
 * as the other engines give them.
 */
import { Database, type SQLQueryBindings } from 'bun:sqlite';
import { existsSync, statSync } from 'node:fs';
import type { SourceRow } from './source';
import { SqlSource, integerValue, openFailure, readFailure, type Dialect } from './source-sql';
import { SourceError } from './source';

/**
 * Backticks, not double quotes: SQLite reads a double-quoted name it cannot resolve as a string
 * literal, so a missing column would come back as its own name instead of failing.
 */
const dialect: Dialect = { quote: (name) => `\`${name}\``, placeholder: () => '?' };

/** How long a read waits for New-API's writer to let go of the file. */
const BUSY_TIMEOUT_MS = 5_000;

export function openSqliteSource(path: string): SqliteSource {
	if (!existsSync(path)) throw new SourceError(`cannot open the New-API database at ${path} (no such file)`);
	if (!statSync(path).isFile()) throw new SourceError(`cannot open the New-API database at ${path} (not a file)`);
	let db: Database | undefined;
	try {
		db = new Database(path, { readonly: true, safeIntegers: true });
		db.run(`pragma busy_timeout = ${BUSY_TIMEOUT_MS}`);
		db.run('pragma query_only = on');
		// Opening is lazy: the first read is what finds out the file is not a database.
		db.query('select count(*) from sqlite_master').get();
	} catch (err) {
		db?.close();
		throw openFailure(err, path);
	}
	return new SqliteSource(db, path);
}

export class SqliteSource extends SqlSource {
	readonly dialect = 'sqlite';
	protected readonly syntax = dialect;
	protected readonly tablesQuery = "select name from sqlite_master where type in ('table', 'view') and name not like 'sqlite\\_%' escape '\\'";
	protected readonly columnsQuery = 'select name from pragma_table_info(?)';

	constructor(
		private readonly db: Database,
		label: string
	) {
		super(label);
	}

	async run(statement: string): Promise<unknown> {
		return this.db.run(statement);
	}

	async close(): Promise<void> {
		this.db.close();
	}

	protected async query(what: string, text: string, params: ReadonlyArray<string | number>): Promise<SourceRow[]> {
		try {
			const statement = this.db.query<Record<string, unknown>, SQLQueryBindings[]>(text);
			const rows = statement.all(...params);
			const dated = new Set(statement.columnNames.filter((_, i) => /^(datetime|timestamp|date)\b/i.test(statement.declaredTypes[i] ?? '')));
			return rows.map((row) => plainRow(row, dated));
		} catch (err) {
			throw readFailure(err, this.label, what);
		}
	}
}

function plainRow(row: Record<string, unknown>, dated: ReadonlySet<string>): SourceRow {
	const out: SourceRow = {};
	for (const [name, value] of Object.entries(row)) {
		if (typeof value === 'bigint') out[name] = integerValue(value);
		else if (dated.has(name) && typeof value === 'string') out[name] = sqliteTime(value);
		else out[name] = value;
	}
	return out;
}

const SQLITE_TIME = /^(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2}:\d{2})(?:\.(\d+))?\s*(Z|[+-]\d{2}:?\d{2})?$/;

/**
 * Go's SQLite drivers store a time as text, `2006-01-02 15:04:05.999999999-07:00`; without a
 * zone it is UTC. Text in no such form is handed back as it is, for the row schemas to judge.
 */
function sqliteTime(text: string): Date | string {
	const m = SQLITE_TIME.exec(text.trim());
	if (!m) return text;
	const millis = (m[3] ?? '').padEnd(3, '0').slice(0, 3);
	const zone = m[4] === undefined || m[4] === 'Z' ? 'Z' : m[4].includes(':') ? m[4] : `${m[4].slice(0, 3)}:${m[4].slice(3)}`;
	const date = new Date(`${m[1]}T${m[2]}.${millis}${zone}`);
	return Number.isNaN(date.getTime()) ? text : date;
}
