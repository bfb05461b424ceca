import * as z from 'zod';
import { groupName, modelName } from './common';

const ms = (label: string) => z.number().int().min(100, `${label}: at least 100 ms.`).max(3_600_000, `${label}: at most one hour.`).optional();

/** Per-channel overrides of the global relay timeouts (options relay.*_timeout_ms), in ms. */
export const channelTimeouts = z.strictObject({
	connectMs: ms('connectMs'),
	firstByteMs: ms('firstByteMs'),
	streamFirstByteMs: ms('streamFirstByteMs'),
	streamIdleMs: ms('streamIdleMs')
});

/** Provider settings; "timeouts" is the relay's, the rest belongs to the channel type's adaptor. */
export const channelConfig = z.looseObject({ timeouts: channelTimeouts.optional() }).meta({
	description: "Provider settings: `timeouts` for any type, plus the channel type's own fields (the `ChannelConfig_<type>` schemas)."
});

export const channelFields = z.object({
	type: z.string().trim().min(1, 'Choose a channel type.'),
	name: z.string().trim().min(1, 'Give the channel a name.').max(100, 'Names are at most 100 characters.'),
	baseUrl: z.url({ protocol: /^https?$/, error: 'Enter the http(s) base URL of the upstream API.' }).max(2000),
	models: z.array(modelName).min(1, 'List at least one model.').max(2000),
	/** Public name -> upstream name. */
	modelMapping: z.record(modelName, modelName).default({}),
	groups: z.array(groupName).min(1, 'Pick at least one group.').default(['default']),
	priority: z.number().int().min(-1000).max(1000).default(0),
	weight: z.number().int().min(1, 'Weights start at 1.').max(10_000).default(1),
	/** Upstream secrets; a masked value ("sk-…9f2c") sent back keeps the stored secret. */
	keys: z.array(z.string().trim().min(1).max(8192)).min(1, 'Add at least one API key.').max(1000),
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
