/**
 * A New-API database on PostgreSQL, through the project's `postgres` client: one connection
 * whose startup parameter `default_transaction_read_only` makes every statement a read-only
 * transaction the server enforces. Tables are looked up in the connection's current schema
 * (`public`, or the first of its search_path).
 */
import postgres from 'postgres';
import type { SourceRow } from './source';
import { SqlSource, hostPort, integerValue, maskedUrl, openFailure, readFailure, type Dialect } from './source-sql';

const DEFAULT_PORT = 5432;
const CONNECT_TIMEOUT_S = 5;

const dialect: Dialect = { quote: (name) => `"${name}"`, placeholder: (n) => `$${n}` };

/** Parsers by type oid: int8 as a number while exact (the client's default is always a string); json and jsonb as their text, as the other engines give them. */
const types = {
	int8: { to: 20, from: [20], serialize: (x: unknown) => String(x), parse: (x: string) => integerValue(BigInt(x)) },
	jsonText: { to: 114, from: [114, 3802], serialize: (x: unknown) => String(x), parse: (x: string) => x }
};

const connect = (url: URL) =>
	postgres(url.href, {
		max: 1,
		connect_timeout: CONNECT_TIMEOUT_S,
		onnotice: () => {},
		types,
		connection: { application_name: 'elygate-import-newapi', default_transaction_read_only: true }
	});
type SourceSql = ReturnType<typeof connect>;

export async function openPostgresSource(url: URL): Promise<PostgresSource> {
	const where = hostPort(url, DEFAULT_PORT);
	const sql = connect(url);
	try {
		await sql`select 1`;
	} catch (err) {
		await sql.end({ timeout: 1 }).catch(() => {});
		throw openFailure(err, where);
	}
	return new PostgresSource(sql, maskedUrl(url), where);
}

export class PostgresSource extends SqlSource {
	readonly dialect = 'postgres';
	protected readonly syntax = dialect;
	protected readonly tablesQuery = 'select table_name as name from information_schema.tables where table_schema = current_schema()';
	protected readonly columnsQuery = 'select column_name as name from information_schema.columns where table_schema = current_schema() and table_name = $1';

	constructor(
		private readonly sql: SourceSql,
		label: string,
		private readonly where: string
	) {
		super(label);
	}

	async run(statement: string): Promise<unknown> {
		return this.sql.unsafe(statement);
	}

	async close(): Promise<void> {
		await this.sql.end({ timeout: 5 });
	}

	protected async query(what: string, text: string, params: ReadonlyArray<string | number>): Promise<SourceRow[]> {
		try {
			const rows = await this.sql.unsafe(text, [...params]);
			// The client's result is an array with extra members (count, columns): hand back plain rows.
			return rows.map((r) => ({ ...r }));
		} catch (err) {
			throw readFailure(err, this.where, what);
		}
	}
}
