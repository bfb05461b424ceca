/**
 * New-API's tables as its GORM models declare them, and the DDL GORM's AutoMigrate emits for
 * them on each engine. One declaration, three renderings, so the engines cannot drift apart.
 *
 * GORM's type rules that shape it: a Go `int` without a type tag is 64-bit (bigint); a Go
 * `string` without a size is `longtext` on MySQL unless it is a key, indexed or has a default
 * (then `varchar(191)`), and `text` on PostgreSQL and SQLite; `bool` is MySQL's `boolean`
 * (tinyint(1)), PostgreSQL's `boolean`, SQLite's `numeric`; `float64` is `double` / `decimal` /
 * `real`; `gorm.DeletedAt` is `datetime(3)` / `timestamptz` / `datetime`.
 */
export type NewApiDialect = 'mysql' | 'postgres' | 'sqlite';

type ColumnType = 'id' | 'int' | 'bigint' | 'uint' | 'bool' | 'double' | 'text' | 'string' | 'time' | 'json' | { varchar: number } | { char: number };

interface Column {
	name: string;
	type: ColumnType;
	notNull?: boolean;
	default?: string | number | boolean;
	unique?: boolean;
	/** A single-column index (GORM's `index`). */
	index?: boolean;
}

interface Table {
	name: string;
	columns: Column[];
	/** A composite primary key; otherwise `id` is the key. */
	primaryKey?: string[];
	/** Composite indexes. */
	indexes?: { name: string; columns: string[] }[];
}

const c = (name: string, type: ColumnType, options: Omit<Column, 'name' | 'type'> = {}): Column => ({ name, type, ...options });
const id = c('id', 'id');
const deletedAt = c('deleted_at', 'time', { index: true });

export const NEWAPI_SCHEMA: Table[] = [
	{
		name: 'users',
		columns: [
			id,
			c('username', 'string', { unique: true, index: true }),
			c('password', 'text', { notNull: true }),
			c('display_name', 'string', { index: true }),
			c('role', 'int', { default: 1 }),
			c('status', 'int', { default: 1 }),
			c('email', 'string', { index: true }),
			c('github_id', 'string', { index: true }),
			c('discord_id', 'string', { index: true }),
			c('oidc_id', 'string', { index: true }),
			c('wechat_id', 'string', { index: true }),
			c('telegram_id', 'string', { index: true }),
			c('access_token', { char: 32 }, { unique: true }),
			c('quota', 'int', { default: 0 }),
			c('used_quota', 'int', { default: 0 }),
			c('request_count', 'int', { default: 0 }),
			c('group', { varchar: 64 }, { default: 'default' }),
			c('aff_code', { varchar: 32 }, { unique: true }),
			c('aff_count', 'int', { default: 0 }),
			c('aff_quota', 'int', { default: 0 }),
			c('aff_history', 'int', { default: 0 }),
			c('inviter_id', 'int', { index: true }),
			deletedAt,
			c('linux_do_id', 'string', { index: true }),
			c('setting', 'text'),
			c('remark', { varchar: 255 }),
			c('stripe_customer', { varchar: 64 }, { index: true }),
			c('created_at', 'bigint'),
			c('last_login_at', 'bigint', { default: 0 })
		]
	},
	{
		name: 'tokens',
		columns: [
			id,
			c('user_id', 'int', { index: true }),
			c('key', { varchar: 128 }, { unique: true }),
			c('status', 'int', { default: 1 }),
			c('name', 'string', { index: true }),
			c('created_time', 'bigint'),
			c('accessed_time', 'bigint'),
			c('expired_time', 'bigint', { default: -1 }),
			c('remain_quota', 'int', { default: 0 }),
			c('unlimited_quota', 'bool'),
			c('model_limits_enabled', 'bool'),
			c('model_limits', 'text'),
			c('allow_ips', 'string', { default: '' }),
			c('used_quota', 'int', { default: 0 }),
			c('group', 'string', { default: '' }),
			c('cross_group_retry', 'bool'),
			c('billing_type', 'int', { default: 0 }),
			deletedAt
		]
	},
	{
		name: 'channels',
		columns: [
			id,
			c('type', 'int', { default: 0 }),
			c('key', 'text', { notNull: true }),
			c('openai_organization', 'text'),
			c('test_model', 'text'),
			c('status', 'int', { default: 1 }),
			c('name', 'string', { index: true }),
			c('weight', 'uint', { default: 0 }),
			c('created_time', 'bigint'),
			c('test_time', 'bigint'),
			c('response_time', 'int'),
			c('base_url', 'string', { default: '' }),
			c('other', 'text'),
			c('balance', 'double'),
			c('balance_updated_time', 'bigint'),
			c('models', 'text'),
			c('group', { varchar: 64 }, { default: 'default' }),
			c('used_quota', 'bigint', { default: 0 }),
			c('model_mapping', 'text'),
			c('status_code_mapping', { varchar: 1024 }, { default: '' }),
			c('priority', 'bigint', { default: 0 }),
			c('auto_ban', 'int', { default: 1 }),
			c('other_info', 'text'),
			c('tag', 'string', { index: true }),
			c('setting', 'text'),
			c('param_override', 'text'),
			c('header_override', 'text'),
			c('remark', { varchar: 255 }),
			c('channel_info', 'json'),
			c('settings', 'text')
		]
	},
	{
		name: 'abilities',
		primaryKey: ['group', 'model', 'channel_id'],
		columns: [
			c('group', { varchar: 64 }, { notNull: true }),
			c('model', { varchar: 255 }, { notNull: true }),
			c('channel_id', 'int', { notNull: true, index: true }),
			c('enabled', 'bool'),
			c('priority', 'bigint', { default: 0 }),
			c('weight', 'uint', { default: 0 }),
			c('tag', 'string', { index: true })
		]
	},
	{
		name: 'options',
		primaryKey: ['key'],
		columns: [c('key', 'string', { notNull: true }), c('value', 'text')]
	},
	{
		name: 'redemptions',
		columns: [
			id,
			c('user_id', 'int'),
			c('key', { char: 32 }, { unique: true }),
			c('status', 'int', { default: 1 }),
			c('name', 'string', { index: true }),
			c('quota', 'int', { default: 100 }),
			c('created_time', 'bigint'),
			c('redeemed_time', 'bigint'),
			c('used_user_id', 'int', { index: true }),
			deletedAt,
			c('expired_time', 'bigint')
		]
	},
	{
		name: 'logs',
		indexes: [{ name: 'idx_created_at_id', columns: ['id', 'created_at'] }, { name: 'idx_created_at_type', columns: ['created_at', 'type'] }],
		columns: [
			id,
			c('user_id', 'int', { index: true }),
			c('created_at', 'bigint'),
			c('type', 'int'),
			c('content', 'text'),
			c('username', 'string', { default: '', index: true }),
			c('token_name', 'string', { default: '', index: true }),
			c('model_name', 'string', { default: '', index: true }),
			c('quota', 'int', { default: 0 }),
			c('prompt_tokens', 'int', { default: 0 }),
			c('completion_tokens', 'int', { default: 0 }),
			c('use_time', 'int', { default: 0 }),
			c('is_stream', 'bool'),
			c('channel_id', 'int', { index: true }),
			c('token_id', 'int', { default: 0, index: true }),
			c('group', 'string', { index: true }),
			c('ip', 'string', { default: '', index: true }),
			c('other', 'text')
		]
	},
	{
		name: 'top_ups',
		columns: [
			id,
			c('user_id', 'int', { index: true }),
			c('amount', 'bigint'),
			c('money', 'double'),
			c('trade_no', { varchar: 255 }, { unique: true }),
			c('payment_method', { varchar: 50 }),
			c('payment_provider', { varchar: 50 }, { default: '' }),
			c('create_time', 'bigint'),
			c('complete_time', 'bigint'),
			c('status', 'string')
		]
	}
];

export function quoteIdent(dialect: NewApiDialect, name: string): string {
	return dialect === 'mysql' ? `\`${name}\`` : `"${name}"`;
}

function sqlType(dialect: NewApiDialect, column: Column, isKey: boolean): string {
	const t = column.type;
	if (typeof t === 'object') {
		const [kind, n] = 'varchar' in t ? ['varchar', t.varchar] : ['char', t.char];
		return dialect === 'sqlite' ? 'text' : `${kind}(${n})`;
	}
	const keyed = isKey || column.index || column.unique || column.default !== undefined;
	const types: Record<Exclude<ColumnType, object>, Record<NewApiDialect, string>> = {
		id: { mysql: 'bigint AUTO_INCREMENT', postgres: 'bigserial', sqlite: 'integer' },
		int: { mysql: 'int', postgres: 'integer', sqlite: 'integer' },
		bigint: { mysql: 'bigint', postgres: 'bigint', sqlite: 'integer' },
		uint: { mysql: 'int unsigned', postgres: 'bigint', sqlite: 'integer' },
		bool: { mysql: 'boolean', postgres: 'boolean', sqlite: 'numeric' },
		double: { mysql: 'double', postgres: 'decimal', sqlite: 'real' },
		text: { mysql: 'longtext', postgres: 'text', sqlite: 'text' },
		string: { mysql: keyed ? 'varchar(191)' : 'longtext', postgres: 'text', sqlite: 'text' },
		time: { mysql: 'datetime(3)', postgres: 'timestamptz', sqlite: 'datetime' },
		json: { mysql: 'json', postgres: 'json', sqlite: 'text' }
	};
	return types[t][dialect];
}

function literal(value: string | number | boolean): string {
	return typeof value === 'string' ? `'${value.replaceAll("'", "''")}'` : String(value);
}

/** The CREATE TABLE and CREATE INDEX statements for one engine, in order. */
export function newApiDdl(dialect: NewApiDialect): string[] {
	const q = (name: string) => quoteIdent(dialect, name);
	const statements: string[] = [];
	for (const table of NEWAPI_SCHEMA) {
		const key = table.primaryKey ?? ['id'];
		const lines = table.columns.map((column) => {
			const parts = [q(column.name), sqlType(dialect, column, key.includes(column.name))];
			if (column.notNull) parts.push('NOT NULL');
			if (column.default !== undefined) parts.push(`DEFAULT ${literal(column.default)}`);
			// SQLite's rowid alias: only an `integer PRIMARY KEY` column autoincrements.
			if (dialect === 'sqlite' && column.type === 'id') parts.push('PRIMARY KEY AUTOINCREMENT');
			return parts.join(' ');
		});
		if (!(dialect === 'sqlite' && key.length === 1 && key[0] === 'id')) lines.push(`PRIMARY KEY (${key.map(q).join(',')})`);
		const suffix = dialect === 'mysql' ? ' DEFAULT CHARSET=utf8mb4' : '';
		statements.push(`CREATE TABLE ${q(table.name)} (${lines.join(',')})${suffix}`);
		for (const column of table.columns) {
			if (column.unique) statements.push(`CREATE UNIQUE INDEX ${q(`idx_${table.name}_${column.name}`)} ON ${q(table.name)} (${q(column.name)})`);
			else if (column.index) statements.push(`CREATE INDEX ${q(`idx_${table.name}_${column.name}`)} ON ${q(table.name)} (${q(column.name)})`);
		}
		for (const index of table.indexes ?? []) {
			statements.push(`CREATE INDEX ${q(index.name)} ON ${q(table.name)} (${index.columns.map(q).join(',')})`);
		}
	}
	return statements;
}
