/**
 * A New-API database on MySQL or MariaDB, through mysql2: one connection, read-only for the
 * session (`SET SESSION TRANSACTION READ ONLY`, so every autocommitted statement after it is a
 * read-only transaction the server enforces).
 */
import mysql from 'mysql2/promise';
import { SourceError, type SourceRow } from './source';
import { SqlSource, hostPort, maskedUrl, openFailure, readFailure, type Dialect } from './source-sql';

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

export class MysqlSource extends SqlSource {
	readonly dialect = 'mysql';
	protected readonly syntax = dialect;
	protected readonly tablesQuery = 'select table_name as name from information_schema.tables where table_schema = database()';
	protected readonly columnsQuery = 'select column_name as name from information_schema.columns where table_schema = database() and table_name = ?';

	constructor(
		private readonly conn: mysql.Connection,
		label: string,
		private readonly where: string
	) {
		super(label);
	}

	async run(statement: string): Promise<unknown> {
		const [result] = await this.conn.query(statement);
		return result;
	}

	async close(): Promise<void> {
		await this.conn.end().catch(() => this.conn.destroy());
	}

	protected async query(what: string, text: string, params: ReadonlyArray<string | number>): Promise<SourceRow[]> {
		try {
			const [rows] = await this.conn.query<mysql.RowDataPacket[]>(text, [...params]);
			return rows.map(plainRow);
		} catch (err) {
			throw readFailure(err, this.where, what);
		}
	}
}

/** mysql2 hands a text column with a binary collation over as a Buffer; New-API keeps no binary data, so it is UTF-8 text. */
function plainRow(row: mysql.RowDataPacket): SourceRow {
	const out: SourceRow = {};
	for (const [name, value] of Object.entries(row)) out[name] = Buffer.isBuffer(value) ? value.toString('utf8') : value;
	return out;
}
