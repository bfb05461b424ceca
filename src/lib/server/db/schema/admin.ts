import * as t from 'drizzle-orm/pg-core';
import { timestamptz } from './columns';

/** Who changed what: every admin write, secrets removed before they get here. */
export const auditLog = t.pgTable(
	'audit_log',
	{
		id: t.bigint('id', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
		actorId: t.integer('actor_id'),
		/** user, token or system. */
		actorKind: t.text('actor_kind').notNull(),
		action: t.text('action').notNull(),
		targetType: t.text('target_type').notNull(),
		targetId: t.text('target_id'),
		before: t.jsonb('before'),
		after: t.jsonb('after'),
		ip: t.text('ip'),
		createdAt: timestamptz('created_at').notNull().defaultNow()
	},
	(tbl) => [
		t.index('audit_log_time_idx').on(tbl.createdAt.desc()),
		t.index('audit_log_target_idx').on(tbl.targetType, tbl.targetId)
	]
);

/** Replays of a create with the same Idempotency-Key get the first answer back. */
export const idempotencyKeys = t.pgTable(
	'idempotency_keys',
	{
		/** Who sent it and where: e.g. "user:12 POST /api/keys". */
		scope: t.text('scope').notNull(),
		key: t.text('key').notNull(),
		requestHash: t.text('request_hash').notNull(),
		responseStatus: t.integer('response_status'),
		responseBody: t.jsonb('response_body'),
		createdAt: timestamptz('created_at').notNull().defaultNow(),
		expiresAt: timestamptz('expires_at').notNull()
	},
	(tbl) => [t.primaryKey({ columns: [tbl.scope, tbl.key] }), t.index('idempotency_keys_expires_idx').on(tbl.expiresAt)]
);

/** Global settings, one JSON value per key; validated by the options module. */
export const options = t.pgTable('options', {
	key: t.text('key').primaryKey(),
	value: t.jsonb('value').notNull(),
	updatedAt: timestamptz('updated_at')
		.notNull()
		.defaultNow()
		.$onUpdate(() => new Date())
});

export type AuditEntry = typeof auditLog.$inferSelect;
export type OptionRow = typeof options.$inferSelect;
