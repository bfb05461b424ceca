import * as z from 'zod';
import { groupName, modelName } from './common';

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
	config: z.record(z.string(), z.unknown()).default({}),
	enabled: z.boolean().default(true)
});

export const channelCreate = channelFields;
export const channelUpdate = channelFields.partial();

export type ChannelCreate = z.input<typeof channelCreate>;
export type ChannelUpdate = z.input<typeof channelUpdate>;
