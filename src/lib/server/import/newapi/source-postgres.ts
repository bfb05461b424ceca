/**
 * A New-API database on PostgreSQL, through the project's `postgres` client: one connection
 * whose startup parameter `default_transaction_read_only` makes every statement a read-only
 * transaction the server enforces. Tables are looked up in the connection's current schema
 * (`public`, or the first of its search_path).
 */
import postgres from 'postgres';
import type { NewApiSource, NewApiTable, PageRequest, SourceRow } from './source';
import { checkedTable, hostPort, integerValue, maskedUrl, openFailure, readFailure, selectAll, selectPage, type Dialect, type Query } from './source-sql';

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

export class PostgresSource implements NewApiSource {
	readonly dialect = 'postgres';

	constructor(
		private readonly sql: SourceSql,
		readonly label: string,
		private readonly where: string
	) {}

	async tables(): Promise<Set<string>> {
		const rows = await this.rows('information_schema', { text: 'select table_name as name from information_schema.tables where table_schema = current_schema()', params: [] });
		return new Set(rows.map((r) => String(r.name).toLowerCase()));
	}

	async columns(table: NewApiTable): Promise<Set<string>> {
		checkedTable(table);
		const text = 'select column_name as name from information_schema.columns where table_schema = current_schema() and table_name = $1';
		const rows = await this.rows(table, { text, params: [] }, [table]);
		return new Set(rows.map((r) => String(r.name).toLowerCase()));
	}

	async readAll(table: NewApiTable, columns: readonly string[], orderBy?: string): Promise<SourceRow[]> {
		return this.rows(table, selectAll(dialect, table, columns, orderBy));
	}

	async readPage(table: NewApiTable, columns: readonly string[], page: PageRequest): Promise<SourceRow[]> {
		return this.rows(table, selectPage(dialect, table, columns, page));
	}

	/** One statement on this source's own connection, as the server allows it: the tests prove a write is refused. */
	async run(statement: string): Promise<unknown> {
		return this.sql.unsafe(statement);
	}

	async close(): Promise<void> {
		await this.sql.end({ timeout: 5 });
	}

	private async rows(table: string, query: Query, extra: readonly string[] = []): Promise<SourceRow[]> {
		try {
			const rows = await this.sql.unsafe(query.text, [...extra, ...query.params]);
			// The client's result is an array with extra members (count, columns): hand back plain rows.
			return rows.map((r) => ({ ...r }));
		} catch (err) {
			throw readFailure(err, this.where, table);
		}
	}
}
