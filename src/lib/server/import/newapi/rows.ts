import * as z from 'zod';
import type { NewApiTable, SourceRow } from './source';

/**
 * New-API's rows as the import reads them (its model/*.go GORM structs), whatever the engine:
 * MySQL gives 0/1 for booleans and may give big integers as strings, SQLite gives integers for
 * everything numeric, PostgreSQL gives real booleans. Each schema lists the columns it reads;
 * columns newer versions added are optional so an older New-API database still imports.
 */

const toNumber = (v: unknown) => (typeof v === 'bigint' ? Number(v) : typeof v === 'string' && /^-?\d+(\.\d+)?$/.test(v.trim()) ? Number(v) : v);
const int = z.preprocess(toNumber, z.number().int().refine(Number.isSafeInteger, 'is beyond the safe integer range'));
const num = z.preprocess(toNumber, z.number());
const bool = z.preprocess((v) => (v === null || v === undefined ? false : v === 1 || v === '1' || v === true ? true : v === 0 || v === '0' || v === false ? false : v), z.boolean());
const text = z.preprocess((v) => (v === null || v === undefined ? '' : v instanceof Uint8Array ? Buffer.from(v).toString('utf8') : v), z.string());
const nullableText = z.preprocess((v) => (v instanceof Uint8Array ? Buffer.from(v).toString('utf8') : v === undefined ? null : v), z.string().nullable());
/** GORM's soft delete: any value at all means the row was deleted. */
const deleted = z.preprocess((v) => v !== null && v !== undefined && v !== '', z.boolean());
/** A nullable integer column (GORM pointer fields): null stays null. */
const nullableInt = z.preprocess((v) => (v === undefined ? null : toNumber(v)), z.number().int().nullable());

const rowShape = <T extends z.ZodRawShape>(shape: T) => z.object(shape);

export const newApiUser = rowShape({
	id: int,
	username: text,
	password: text,
	display_name: text.optional(),
	role: int,
	status: int,
	email: text.optional(),
	quota: int,
	used_quota: int,
	request_count: int,
	group: text,
	deleted_at: deleted.optional(),
	created_at: int.optional().catch(undefined)
});

export const newApiToken = rowShape({
	id: int,
	user_id: int,
	key: text,
	status: int,
	name: text,
	created_time: int.optional().catch(undefined),
	expired_time: int,
	remain_quota: int,
	unlimited_quota: bool,
	model_limits_enabled: bool.optional(),
	model_limits: text.optional(),
	allow_ips: text.optional(),
	used_quota: int,
	group: text.optional(),
	deleted_at: deleted.optional()
});

export const newApiChannel = rowShape({
	id: int,
	type: int,
	key: text,
	status: int,
	name: text,
	weight: nullableInt.optional(),
	created_time: int.optional().catch(undefined),
	base_url: nullableText.optional(),
	other: text.optional(),
	models: text,
	group: text,
	model_mapping: nullableText.optional(),
	priority: nullableInt.optional(),
	other_info: text.optional(),
	channel_info: z.unknown().optional(),
	param_override: nullableText.optional(),
	header_override: nullableText.optional(),
	status_code_mapping: nullableText.optional()
});

export const newApiOption = rowShape({ key: text, value: text });

export const newApiRedemption = rowShape({
	id: int,
	user_id: int,
	key: text,
	status: int,
	name: text,
	quota: int,
	created_time: int.optional().catch(undefined),
	redeemed_time: int.optional().catch(undefined),
	used_user_id: int.optional().catch(undefined),
	deleted_at: deleted.optional(),
	expired_time: int.optional().catch(undefined)
});

export const newApiLog = rowShape({
	id: int,
	user_id: int,
	created_at: int,
	type: int,
	content: text,
	username: text,
	token_name: text,
	model_name: text,
	quota: int,
	prompt_tokens: int,
	completion_tokens: int,
	use_time: int,
	is_stream: bool,
	channel_id: int,
	token_id: int,
	group: text.optional(),
	ip: text.optional()
});

export const newApiTopUp = rowShape({ id: int, user_id: int, amount: num, money: num, status: text });

export type NewApiUser = z.infer<typeof newApiUser>;
export type NewApiToken = z.infer<typeof newApiToken>;
export type NewApiChannel = z.infer<typeof newApiChannel>;
export type NewApiRedemption = z.infer<typeof newApiRedemption>;
export type NewApiLog = z.infer<typeof newApiLog>;
export type NewApiTopUp = z.infer<typeof newApiTopUp>;

/** A row New-API's own code could not have written, or that we cannot carry over faithfully. */
export class BadRowError extends Error {
	override name = 'BadRowError';
	constructor(table: NewApiTable, id: number | string, what: string, name?: string) {
		super(`New-API's ${table} row ${typeof id === 'number' ? `#${id}` : `"${id}"`}${name ? ` ("${name}")` : ''}: ${what}`);
	}
}

/**
 * Columns that New-API added over the years, read when the table has them: an older database
 * (or one-api's, which New-API grew from) imports without them.
 */
export const OPTIONAL_COLUMNS: Partial<Record<NewApiTable, readonly string[]>> = {
	users: ['display_name', 'email', 'deleted_at', 'created_at'],
	tokens: ['created_time', 'model_limits_enabled', 'model_limits', 'allow_ips', 'group', 'deleted_at'],
	channels: ['weight', 'created_time', 'base_url', 'other', 'model_mapping', 'priority', 'other_info', 'channel_info', 'param_override', 'header_override', 'status_code_mapping'],
	redemptions: ['created_time', 'redeemed_time', 'used_user_id', 'deleted_at', 'expired_time'],
	logs: ['group', 'ip']
};

/** The import as a whole is refused (not a row's fault): Elygate already has its own accounts, say. */
export class ImportRefusedError extends Error {
	override name = 'ImportRefusedError';
}

/** The columns a table's schema reads, split into those that must exist and those read when present. */
export function columnsOf(table: NewApiTable, schema: z.ZodObject): { required: string[]; optional: string[] } {
	const optional = OPTIONAL_COLUMNS[table] ?? [];
	const all = Object.keys(schema.shape);
	return { required: all.filter((c) => !optional.includes(c)), optional: all.filter((c) => optional.includes(c)) };
}

/** Parses one source row, naming the row and the column at fault. */
export function parseRow<S extends z.ZodObject>(table: NewApiTable, schema: S, row: SourceRow): z.infer<S> {
	const parsed = schema.safeParse(row);
	if (parsed.success) return parsed.data;
	const issue = parsed.error.issues[0];
	const id = typeof row.id === 'number' || typeof row.id === 'string' ? row.id : typeof row.key === 'string' ? row.key : '?';
	throw new BadRowError(table, typeof id === 'string' && /^\d+$/.test(id) ? Number(id) : id, `${issue?.path.join('.') || 'row'}: ${issue?.message ?? 'unreadable'}`);
}
