import * as t from 'drizzle-orm/pg-core';
import { deletedAt, quota, timestamps, timestamptz } from './columns';
import { users } from './users';

export const apiKeyStatus = t.pgEnum('api_key_status', ['active', 'disabled']);

export const apiKeys = t.pgTable(
	'api_keys',
	{
		id: t.integer('id').primaryKey().generatedAlwaysAsIdentity(),
		userId: t
			.integer('user_id')
			.notNull()
			.references(() => users.id),
		name: t.text('name').notNull(),
		/** SHA-256 (hex) of the full key; the key is shown once and never stored. */
		keyHash: t.text('key_hash').notNull().unique(),
		/** Shown in lists so users can tell keys apart, e.g. "sk-AbC1…wxYz". */
		prefix: t.text('prefix').notNull(),
		status: apiKeyStatus('status').notNull().default('active'),
		/** Spending cap for this key in quota units; null = only the owner's balance limits it. */
		quotaLimit: quota('quota_limit'),
		usedQuota: quota('used_quota').notNull().default(0),
		/** The part of used_quota spent in New-API before an import (no request_logs row stands for it). */
		importedUsedQuota: quota('imported_used_quota').notNull().default(0),
		requestCount: t.bigint('request_count', { mode: 'number' }).notNull().default(0),
		expiresAt: timestamptz('expires_at'),
		/** Public model names this key may call; empty = every model of the owner's group. */
		allowedModels: t.text('allowed_models').array().notNull().default([]),
		/** IPs and CIDR ranges allowed to use the key; empty = any. */
		allowedIps: t.text('allowed_ips').array().notNull().default([]),
		/** Calls made with this key are routed and priced in this group instead of the owner's; null = the owner's. */
		group: t.text('group'),
		/** Requests and tokens per minute, per instance (null = unlimited). */
		rpmLimit: t.integer('rpm_limit'),
		tpmLimit: t.integer('tpm_limit'),
		lastUsedAt: timestamptz('last_used_at'),
		...timestamps,
		deletedAt
	},
	(tbl) => [t.index('api_keys_user_idx').on(tbl.userId)]
);

export const managementTokenScope = t.pgEnum('management_token_scope', ['admin', 'read']);

export const managementTokens = t.pgTable('management_tokens', {
	id: t.integer('id').primaryKey().generatedAlwaysAsIdentity(),
	name: t.text('name').notNull(),
	tokenHash: t.text('token_hash').notNull().unique(),
	prefix: t.text('prefix').notNull(),
	scope: managementTokenScope('scope').notNull(),
	createdBy: t.integer('created_by').references(() => users.id),
	lastUsedAt: timestamptz('last_used_at'),
	expiresAt: timestamptz('expires_at'),
	revokedAt: timestamptz('revoked_at'),
	...timestamps
});

export type ApiKey = typeof apiKeys.$inferSelect;
export type NewApiKey = typeof apiKeys.$inferInsert;
export type ManagementToken = typeof managementTokens.$inferSelect;
