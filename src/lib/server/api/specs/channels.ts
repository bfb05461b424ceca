import * as z from 'zod';
import { channelCreate, channelUpdate } from '../../../schemas/channels';
import { createChannel, deleteChannel, getChannel, listChannels, setChannelEnabled, updateChannel } from '../../services/channels';
import { parseInput } from '../../services/errors';
import { endpoint } from '../endpoint';
import { channelView, pageOf } from '../views';
import { idParams, pageParams } from './common';

const tag = 'Channels';

export const listChannelsEndpoint = endpoint({
	method: 'GET',
	path: '/api/channels',
	summary: 'List channels (secrets masked)',
	tag,
	access: 'reader',
	query: pageParams,
	response: pageOf(channelView, 'ChannelPage'),
	handle: ({ svc, actor, query }) => listChannels(svc, actor, query)
});

export const createChannelEndpoint = endpoint({
	method: 'POST',
	path: '/api/channels',
	summary: 'Create a channel',
	tag,
	access: 'admin',
	body: channelCreate,
	response: channelView,
	status: 201,
	idempotent: true,
	handle: ({ svc, actor, body }) => createChannel(svc, actor, body)
});

export const getChannelEndpoint = endpoint({
	method: 'GET',
	path: '/api/channels/{id}',
	summary: 'Get a channel (secrets masked)',
	tag,
	access: 'reader',
	params: idParams,
	response: channelView,
	handle: ({ svc, actor, params }) => getChannel(svc, actor, params.id)
});

export const updateChannelEndpoint = endpoint({
	method: 'PATCH',
	path: '/api/channels/{id}',
	summary: 'Update a channel; masked keys sent back keep their stored secrets',
	tag,
	access: 'admin',
	params: idParams,
	body: channelUpdate,
	response: channelView,
	handle: ({ svc, actor, params, body }) => updateChannel(svc, actor, params.id, body)
});

export const deleteChannelEndpoint = endpoint({
	method: 'DELETE',
	path: '/api/channels/{id}',
	summary: 'Delete a channel (soft: its logs keep pointing at it)',
	tag,
	access: 'admin',
	params: idParams,
	handle: ({ svc, actor, params }) => deleteChannel(svc, actor, params.id)
});

export const enableChannelEndpoint = endpoint({
	method: 'POST',
	path: '/api/channels/{id}/enable',
	summary: 'Enable a channel',
	tag,
	access: 'admin',
	params: idParams,
	response: channelView,
	handle: ({ svc, actor, params }) => setChannelEnabled(svc, actor, params.id, true)
});

const disableBody = z.object({ reason: z.string().trim().max(500).optional() });

export const disableChannelEndpoint = endpoint({
	method: 'POST',
	path: '/api/channels/{id}/disable',
	summary: 'Disable a channel by hand (never re-enabled automatically)',
	tag,
	access: 'admin',
	params: idParams,
	body: disableBody,
	response: channelView,
	handle: async ({ svc, actor, params, body }) => {
		const { reason } = parseInput(disableBody, body);
		return setChannelEnabled(svc, actor, params.id, false, reason);
	}
});
