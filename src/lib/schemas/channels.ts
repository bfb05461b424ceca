import * as z from 'zod';
import { m } from '../paraglide/messages';
import { groupName, modelName } from './common';

const ms = () =>
	z
		.number()
		.int()
		.min(100, { error: () => m.channels_v_timeout_min() })
		.max(3_600_000, { error: () => m.channels_v_timeout_max() })
		.optional();

/** Per-channel overrides of the global relay timeouts (options relay.*_timeout_ms), in ms. */
export const channelTimeouts = z.strictObject({
	connectMs: ms(),
	firstByteMs: ms(),
	streamFirstByteMs: ms(),
	streamIdleMs: ms()
});

/** Provider settings; "timeouts" is the relay's, the rest belongs to the channel type's adaptor. */
export const channelConfig = z.looseObject({ timeouts: channelTimeouts.optional() }).meta({
	description: "Provider settings: `timeouts` for any type, plus the channel type's own fields (the `ChannelConfig_<type>` schemas)."
});

/** A free label for finding channels: no commas (the form separates tags with them). */
export const channelTag = z
	.string()
	.trim()
	.min(1, { error: () => m.channels_v_tag() })
	.max(32, { error: () => m.channels_v_tag() })
	.regex(/^[^,\n]+$/, { error: () => m.channels_v_tag() });

const baseUrl = z.url({ protocol: /^https?$/, error: () => m.channels_v_base_url() }).max(2000);
const secrets = z.array(z.string().trim().min(1).max(8192));

export const channelFields = z.object({
	type: z
		.string()
		.trim()
		.min(1, { error: () => m.channels_v_type() }),
	name: z
		.string()
		.trim()
		.min(1, { error: () => m.channels_v_name() })
		.max(100, { error: () => m.channels_v_name_long() }),
	baseUrl,
	models: z
		.array(modelName)
		.min(1, { error: () => m.channels_v_models() })
		.max(2000),
	/** Public name -> upstream name. */
	modelMapping: z.record(modelName, modelName).default({}),
	groups: z
		.array(groupName)
		.min(1, { error: () => m.channels_v_groups() })
		.default(['default']),
	/** Labels to find the channel by; they change nothing about routing. */
	tags: z
		.array(channelTag)
		.max(20, { error: () => m.channels_v_tags_many() })
		.default([])
		.meta({ description: 'Free labels to search and filter channels by; no effect on routing.' }),
	priority: z.number().int().min(-1000).max(1000).default(0),
	weight: z
		.number()
		.int()
		.min(1, { error: () => m.channels_v_weight() })
		.max(10_000)
		.default(1),
	/** Upstream secrets; a masked value ("sk-…9f2c") sent back keeps the stored secret. */
	keys: secrets.min(1, { error: () => m.channels_v_keys() }).max(1000),
	config: channelConfig.default({}),
	enabled: z.boolean().default(true)
});

export const channelCreate = channelFields;
export const channelUpdate = channelFields.partial();

export type ChannelCreate = z.input<typeof channelCreate>;
export type ChannelUpdate = z.input<typeof channelUpdate>;

/** POST /api/channels/{id}/test */
export const channelTestInput = z.object({
	model: z.string().trim().min(1).max(200).optional().meta({ description: 'A model the channel lists; its first one by default.' })
});

/**
 * Settings not saved (yet): what "Fetch models" and "Test before saving" work on. With
 * `channelId`, the saved channel fills in whatever is left out, and masked keys stand for its
 * stored ones; nothing is written either way.
 */
export const channelDraft = z
	.object({
		channelId: z.number().int().positive().optional().meta({ description: 'A saved channel whose settings fill in what is left out; masked keys stand for its stored keys.' }),
		type: z.string().trim().min(1).max(40).optional(),
		baseUrl: baseUrl.optional().meta({ description: "The type's own API root when left out (for types that have one)." }),
		keys: secrets.max(1000).optional().meta({ description: 'The first one is used.' }),
		models: z.array(modelName).max(2000).optional(),
		modelMapping: z.record(modelName, modelName).optional(),
		config: channelConfig.optional()
	})
	.meta({ id: 'ChannelDraft' });

/** POST /api/channels/draft-test */
export const channelDraftTest = channelDraft
	.extend({ model: z.string().trim().min(1).max(200).optional().meta({ description: 'The model to test; the first of `models` by default.' }) })
	.meta({ id: 'ChannelDraftTest' });

export const channelBatchActions = ['enable', 'disable', 'test', 'balance', 'delete'] as const;
export type ChannelBatchAction = (typeof channelBatchActions)[number];

/** POST /api/channels/batch */
export const channelBatchInput = z.object({
	action: z.enum(channelBatchActions),
	ids: z.array(z.number().int().positive()).min(1).max(200),
	reason: z.string().trim().max(500).optional().meta({ description: 'For `disable`: why, kept with the channel.' })
});
