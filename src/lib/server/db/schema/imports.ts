import * as t from 'drizzle-orm/pg-core';
import { quota, timestamptz } from './columns';

/**
 * Which rows of another system's database an import brought over, by that system's own id:
 * what makes a second import of the same database import nothing twice (docs/newapi-import.md).
 */
export const importedRows = t.pgTable(
	'imported_rows',
	{
		/** The system imported from: "newapi". */
		source: t.text('source').notNull(),
		/** Its table: users, tokens, channels, redemptions, prices, groups. */
		kind: t.text('kind').notNull(),
		/** Its id of the row (a model or group name for prices and groups). */
		sourceId: t.text('source_id').notNull(),
		/** Our row it became (null for prices and groups, keyed by name). */
		targetId: t.integer('target_id'),
		importedAt: timestamptz('imported_at').notNull().defaultNow()
	},
	(tbl) => [t.primaryKey({ columns: [tbl.source, tbl.kind, tbl.sourceId] })]
);

/**
 * Calls made through New-API before the switch, kept for the record. They never move a balance
 * and are not request_logs rows: the books (used quota == the logs' costs) count them through
 * the imported_used_quota columns, whatever part of the history was imported.
 */
export const importedLogs = t.pgTable(
	'imported_logs',
	{
		id: t.bigint('id', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
		/** New-API's log id: a second import skips what the first brought. */
		sourceId: t.bigint('source_id', { mode: 'number' }).notNull().unique(),
		createdAt: timestamptz('created_at').notNull(),
		userId: t.integer('user_id'),
		apiKeyId: t.integer('api_key_id'),
		channelId: t.integer('channel_id'),
		username: t.text('username').notNull().default(''),
		keyName: t.text('key_name').notNull().default(''),
		model: t.text('model').notNull().default(''),
		group: t.text('group').notNull().default(''),
		promptTokens: t.bigint('prompt_tokens', { mode: 'number' }).notNull().default(0),
		completionTokens: t.bigint('completion_tokens', { mode: 'number' }).notNull().default(0),
		cost: quota('cost').notNull().default(0),
		latencyMs: t.integer('latency_ms'),
		stream: t.boolean('stream').notNull().default(false),
		clientIp: t.text('client_ip'),
		content: t.text('content').notNull().default('')
	},
	(tbl) => [t.index('imported_logs_user_idx').on(tbl.userId, tbl.createdAt.desc()), t.index('imported_logs_time_brin').using('brin', tbl.createdAt)]
);

export type ImportedLog = typeof importedLogs.$inferSelect;
