import { sql } from 'drizzle-orm';
import * as t from 'drizzle-orm/pg-core';
import { deletedAt, quota, timestamps, timestamptz } from './columns';

export const userRole = t.pgEnum('user_role', ['user', 'admin', 'root']);
export const userStatus = t.pgEnum('user_status', ['active', 'disabled']);

export const users = t.pgTable(
	'users',
	{
		id: t.integer('id').primaryKey().generatedAlwaysAsIdentity(),
		username: t.text('username').notNull(),
		/** The name shown instead of the username where one is set (New-API accounts bring theirs). */
		displayName: t.text('display_name'),
		email: t.text('email'),
		passwordHash: t.text('password_hash').notNull(),
		role: userRole('role').notNull().default('user'),
		status: userStatus('status').notNull().default('active'),
		group: t.text('group').notNull().default('default'),
		/** Balance in quota units; may dip below zero by at most one call's overrun. */
		quota: quota('quota').notNull().default(0),
		usedQuota: quota('used_quota').notNull().default(0),
		/**
		 * Bumped by every statement that changes quota, so an instance can tell a fresher
		 * balance from a stale one when reloads and ledger flushes cross.
		 */
		balanceVersion: t.bigint('balance_version', { mode: 'number' }).notNull().default(0),
		requestCount: t.bigint('request_count', { mode: 'number' }).notNull().default(0),
		/**
		 * The part of used_quota and request_count spent before Elygate (brought by an import from
		 * New-API): no request_logs row stands for it, so the books count it apart.
		 */
		importedUsedQuota: quota('imported_used_quota').notNull().default(0),
		importedRequestCount: t.bigint('imported_request_count', { mode: 'number' }).notNull().default(0),
		/** The console language the user chose (docs/i18n.md); null follows the browser. */
		locale: t.text('locale'),
		lastLoginAt: timestamptz('last_login_at'),
		...timestamps,
		deletedAt
	},
	(tbl) => [
		// Usernames are unique case-insensitively among live accounts.
		t.uniqueIndex('users_username_unique').on(sql`lower(${tbl.username})`).where(sql`${tbl.deletedAt} is null`),
		t.uniqueIndex('users_email_unique').on(sql`lower(${tbl.email})`).where(sql`${tbl.deletedAt} is null and ${tbl.email} is not null`),
		t.index('users_role_idx').on(tbl.role)
	]
);

export const sessions = t.pgTable(
	'sessions',
	{
		/** SHA-256 (hex) of the token in the cookie; the token itself is never stored. */
		id: t.text('id').primaryKey(),
		userId: t
			.integer('user_id')
			.notNull()
			.references(() => users.id, { onDelete: 'cascade' }),
		expiresAt: timestamptz('expires_at').notNull(),
		createdAt: timestamptz('created_at').notNull().defaultNow(),
		lastSeenAt: timestamptz('last_seen_at').notNull().defaultNow(),
		ip: t.text('ip'),
		userAgent: t.text('user_agent')
	},
	(tbl) => [t.index('sessions_user_idx').on(tbl.userId), t.index('sessions_expires_idx').on(tbl.expiresAt)]
);

export const groups = t.pgTable('groups', {
	name: t.text('name').primaryKey(),
	/** Multiplies every price for users in the group; "default" is 1. */
	ratio: t.doublePrecision('ratio').notNull().default(1),
	description: t.text('description').notNull().default(''),
	...timestamps
});

export type User = typeof users.$inferSelect;
export type NewUser = typeof users.$inferInsert;
export type Session = typeof sessions.$inferSelect;
export type Group = typeof groups.$inferSelect;
export type UserRole = (typeof userRole.enumValues)[number];
