import type * as z from 'zod';
import {
	columnsOf,
	newApiChannel,
	newApiLog,
	newApiOption,
	newApiRedemption,
	newApiToken,
	newApiTopUp,
	newApiUser,
	parseRow,
	type NewApiChannel,
	type NewApiLog,
	type NewApiRedemption,
	type NewApiToken,
	type NewApiTopUp,
	type NewApiUser
} from './rows';
import { SourceError, type NewApiSource, type NewApiTable } from './source';

/** Everything the import reads up front (logs are read page by page, they can be millions). */
export interface NewApiData {
	users: NewApiUser[];
	tokens: NewApiToken[];
	channels: NewApiChannel[];
	options: Map<string, string>;
	redemptions: NewApiRedemption[];
	topUps: NewApiTopUp[];
	abilities: number;
	/** Whether the database has a logs table to import from. */
	hasLogs: boolean;
}

/** Without these it is not New-API's database (or one-api's, which New-API grew from). */
const REQUIRED_TABLES: NewApiTable[] = ['users', 'tokens', 'channels', 'options'];

/** The columns of `table` to select for `schema`, refusing a table that lacks one it needs. */
async function selectable(source: NewApiSource, table: NewApiTable, schema: z.ZodObject): Promise<string[]> {
	const present = await source.columns(table);
	const { required, optional } = columnsOf(table, schema);
	const missing = required.filter((c) => !present.has(c));
	if (missing.length) throw new SourceError(`The ${table} table is not New-API's: it has no ${missing.join(', ')} column${missing.length > 1 ? 's' : ''}.`);
	return [...required, ...optional.filter((c) => present.has(c))];
}

async function readTable<S extends z.ZodObject>(source: NewApiSource, tables: Set<string>, table: NewApiTable, schema: S): Promise<z.infer<S>[]> {
	if (!tables.has(table)) return [];
	const rows = await source.readAll(table, await selectable(source, table, schema), table === 'options' ? 'key' : 'id');
	return rows.map((row) => parseRow(table, schema, row));
}

export async function readNewApi(source: NewApiSource): Promise<NewApiData> {
	const tables = await source.tables();
	const missing = REQUIRED_TABLES.filter((t) => !tables.has(t));
	if (missing.length) {
		throw new SourceError(`This is not a New-API database: it has no ${missing.join(', ')} table${missing.length > 1 ? 's' : ''}.`);
	}
	const options = await readTable(source, tables, 'options', newApiOption);
	const abilities = tables.has('abilities') ? (await source.readAll('abilities', ['channel_id'])).length : 0;
	return {
		users: await readTable(source, tables, 'users', newApiUser),
		tokens: await readTable(source, tables, 'tokens', newApiToken),
		channels: await readTable(source, tables, 'channels', newApiChannel),
		options: new Map(options.map((o) => [o.key, o.value])),
		redemptions: await readTable(source, tables, 'redemptions', newApiRedemption),
		topUps: await readTable(source, tables, 'top_ups', newApiTopUp),
		abilities,
		hasLogs: tables.has('logs')
	};
}

/** New-API's log type of a metered call (its LogTypeConsume). */
const CONSUME = 2;
const LOG_PAGE = 2000;

/** The consumption logs created at or after `since` (unix seconds; 0 = all), a page at a time. */
export async function* readConsumptionLogs(source: NewApiSource, since: number): AsyncGenerator<NewApiLog[]> {
	const columns = await selectable(source, 'logs', newApiLog);
	let afterId = 0;
	for (;;) {
		const rows = await source.readPage('logs', columns, { afterId, limit: LOG_PAGE, type: CONSUME, ...(since > 0 ? { createdAtFrom: since } : {}) });
		if (!rows.length) return;
		const page = rows.map((row) => parseRow('logs', newApiLog, row));
		yield page;
		afterId = page[page.length - 1]!.id;
		if (rows.length < LOG_PAGE) return;
	}
}
