/**
 * A New-API database on MySQL or MariaDB, through mysql2: one connection, read-only for the
 * session (`SET SESSION TRANSACTION READ ONLY`, so every autocommitted statement after it is a
 * read-only transaction the server enforces).
 */
import mysql from 'mysql2/promise';
import { SourceError, type NewApiSource, type NewApiTable, type PageRequest, type SourceRow } from './source';
import { checkedTable, hostPort, maskedUrl, openFailure, readFailure, selectAll, selectPage, type Dialect, type Query } from './source-sql';

const DEFAULT_PORT = 3306;
const CONNECT_TIMEOUT_MS = 5_000;

const dialect: Dialect = { quote: (name) => `\`${name}\``, placeholder: () => '?' };

export async function openMysqlSource(url: URL): Promise<MysqlSource> {
	const where = hostPort(url, DEFAULT_PORT);
	const database = decodeURIComponent(url.pathname.replace(/^\//, ''));
	if (!database || database.includes('/')) {
		throw new SourceError(`name the New-API database in the URL: ${url.protocol}//user:password@${where}/new-api (got ${maskedUrl(url)})`);
	}
	if ([...url.searchParams.keys()].length > 0) {
		throw new SourceError(`a ${url.protocol}// URL takes no parameters (got ${[...url.searchParams.keys()].join(', ')})`);
	}
	let conn: mysql.Connection | undefined;
	try {
		conn = await mysql.createConnection({
			host: url.hostname.replace(/^\[(.*)\]$/, '$1') || 'localhost',
			port: Number(url.port || DEFAULT_PORT),
			user: decodeURIComponent(url.username),
			password: decodeURIComponent(url.password),
			database,
			connectTimeout: CONNECT_TIMEOUT_MS,
			// BIGINT as numbers while exact, as strings beyond 2^53; JSON (channels.channel_info) as its text.
			supportBigNumbers: true,
			bigNumberStrings: false,
			jsonStrings: true,
			charset: 'utf8mb4'
		});
		await conn.query('SET SESSION TRANSACTION READ ONLY');
	} catch (err) {
		await conn?.end().catch(() => {});
		throw openFailure(err, where);
	}
	return new MysqlSource(conn, maskedUrl(url), where);
}

export class MysqlSource implements NewApiSource {
	readonly dialect = 'mysql';

	constructor(
		private readonly conn: mysql.Connection,
		readonly label: string,
		private readonly where: string
	) {}

	async tables(): Promise<Set<string>> {
		const rows = await this.rows('information_schema', { text: 'select table_name as name from information_schema.tables where table_schema = database()', params: [] });
		return new Set(rows.map((r) => String(r.name).toLowerCase()));
	}

	async columns(table: NewApiTable): Promise<Set<string>> {
		checkedTable(table);
		const text = 'select column_name as name from information_schema.columns where table_schema = database() and table_name = ?';
		const rows = await this.rows(table, { text, params: [] }, [table]);
		return new Set(rows.map((r) => String(r.name).toLowerCase()));
	}

	async readAll(table: NewApiTable, columns: readonly string[], orderBy?: string): Promise<SourceRow[]> {
		return this.rows(table, selectAll(dialect, table, columns, orderBy));
	}

	async readPage(table: NewApiTable, columns: readonly string[], page: PageRequest): Promise<SourceRow[]> {
		return this.rows(table, selectPage(dialect, table, columns, page));
	}

	/** One statement on this source's own connection, as the session allows it: the tests prove a write is refused. */
	async run(statement: string): Promise<unknown> {
		const [result] = await this.conn.query(statement);
		return result;
	}

	async close(): Promise<void> {
		await this.conn.end().catch(() => this.conn.destroy());
	}

	private async rows(table: string, query: Query, extra: readonly string[] = []): Promise<SourceRow[]> {
		try {
			const [rows] = await this.conn.query<mysql.RowDataPacket[]>(query.text, [...extra, ...query.params]);
			return rows.map(plainRow);
		} catch (err) {
			throw readFailure(err, this.where, table);
		}
	}
}

/** mysql2 hands a text column with a binary collation over as a Buffer; New-API keeps no binary data, so it is UTF-8 text. */
function plainRow(row: mysql.RowDataPacket): SourceRow {
	const out: SourceRow = {};
	for (const [name, value] of Object.entries(row)) out[name] = Buffer.isBuffer(value) ? value.toString('utf8') : value;
	return out;
}
