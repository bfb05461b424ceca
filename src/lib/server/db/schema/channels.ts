import * as t from 'drizzle-orm/pg-core';
import { deletedAt, quota, timestamps, timestamptz } from './columns';

export const channelStatus = t.pgEnum('channel_status', ['enabled', 'disabled']);
/** Manual disables stay until an admin acts; automatic ones are probed and re-enabled. */
export const disableKind = t.pgEnum('disable_kind', ['manual', 'automatic']);

export const channels = t.pgTable(
	'channels',
	{
		id: t.integer('id').primaryKey().generatedAlwaysAsIdentity(),
		/** Adaptor slug: openai, azure, anthropic, gemini, workers-ai, ... (validated by the app). */
		type: t.text('type').notNull(),
		name: t.text('name').notNull(),
		baseUrl: t.text('base_url').notNull(),
		/** Public model names this channel serves (what clients ask for). */
		models: t.text('models').array().notNull().default([]),
		/** Public name -> upstream name, for models the upstream calls differently. */
		modelMapping: t.jsonb('model_mapping').$type<Record<string, string>>().notNull().default({}),
		groups: t.text('groups').array().notNull().default(['default']),
		/** Free labels for finding channels (search, filter); no effect on routing. */
		tags: t.text('tags').array().notNull().default([]),
		priority: t.integer('priority').notNull().default(0),
		weight: t.integer('weight').notNull().default(1),
		status: channelStatus('status').notNull().default('enabled'),
		disableKind: disableKind('disable_kind'),
		disableReason: t.text('disable_reason'),
		disabledAt: timestamptz('disabled_at'),
		/** Per-type settings (API version, deployment names, account id, timeouts). */
		config: t.jsonb('config').$type<Record<string, unknown>>().notNull().default({}),
		usedQuota: quota('used_quota').notNull().default(0),
		requestCount: t.bigint('request_count', { mode: 'number' }).notNull().default(0),
		lastTestAt: timestamptz('last_test_at'),
		lastTestLatencyMs: t.integer('last_test_latency_ms'),
		lastTestOk: t.boolean('last_test_ok'),
		lastTestError: t.text('last_test_error'),
		/** The provider account's balance as its own API last reported it, in its currency (docs/channels.md). */
		balanceAmount: t.numeric('balance_amount', { precision: 20, scale: 6 }),
		balanceCurrency: t.text('balance_currency'),
		balanceCheckedAt: timestamptz('balance_checked_at'),
		/** Why the last balance check failed; null after a successful one. */
		balanceError: t.text('balance_error'),
		...timestamps,
		deletedAt
	},
	(tbl) => [t.index('channels_status_idx').on(tbl.status)]
);

export const channelKeys = t.pgTable(
	'channel_keys',
	{
		id: t.integer('id').primaryKey().generatedAlwaysAsIdentity(),
		channelId: t
			.integer('channel_id')
			.notNull()
			.references(() => channels.id, { onDelete: 'cascade' }),
		/** AES-GCM ciphertext of the upstream secret (see security/crypto). */
		secretEncrypted: t.text('secret_encrypted').notNull(),
		/** Masked form shown to admins, e.g. "sk-…9f2c". */
		secretHint: t.text('secret_hint').notNull(),
		status: channelStatus('status').notNull().default('enabled'),
		disableKind: disableKind('disable_kind'),
		disableReason: t.text('disable_reason'),
		disabledAt: timestamptz('disabled_at'),
		...timestamps
	},
	(tbl) => [t.index('channel_keys_channel_idx').on(tbl.channelId)]
);

export type Channel = typeof channels.$inferSelect;
export type NewChannel = typeof channels.$inferInsert;
export type ChannelKey = typeof channelKeys.$inferSelect;
