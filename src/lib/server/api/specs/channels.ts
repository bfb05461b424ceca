import * as z from 'zod';
import { channelCreate, channelTestInput, channelUpdate } from '../../../schemas/channels';
import { relayContextIfConfigured } from '../../relay/context';
import { testAllChannels, testChannel } from '../../services/channel-health';
import { createChannel, deleteChannel, getChannel, listChannels, setChannelEnabled, updateChannel } from '../../services/channels';
import { snapshot } from '../../state/store';
import { parseInput } from '../../services/errors';
import { endpoint } from '../endpoint';
import { channelTestResult, channelView, pageOf } from '../views';
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

/** A test waits as long as a real call would for its first byte, but not past a minute. */
function testTimeoutMs(): number {
	return Math.min(snapshot().options['relay.first_byte_timeout_ms'], 60_000);
}

/** This instance stops holding past failures against a channel that just passed a test. */
function forgetFailures(channelId: number, ok: boolean): void {
	if (ok) relayContextIfConfigured()?.health.forget(channelId);
}

export const testChannelEndpoint = endpoint({
	method: 'POST',
	path: '/api/channels/{id}/test',
	summary: 'Send a minimal real request through the channel; records latency and result, and re-enables it if it was disabled automatically',
	tag,
	access: 'admin',
	params: idParams,
	body: channelTestInput,
	response: channelTestResult,
	handle: async ({ svc, actor, params, body }) => {
		const result = await testChannel(svc, actor, params.id, body, testTimeoutMs());
		forgetFailures(params.id, result.ok);
		return result;
	}
});

export const testAllChannelsEndpoint = endpoint({
	method: 'POST',
	path: '/api/channels/test',
	summary: 'Test every channel not disabled by hand, a few at a time',
	tag,
	access: 'admin',
	response: z.object({ results: z.array(channelTestResult.extend({ channelId: z.number().int() })) }).meta({ id: 'ChannelTestResults' }),
	handle: async ({ svc, actor }) => {
		const results = await testAllChannels(svc, actor, testTimeoutMs());
		for (const r of results) forgetFailures(r.channelId, r.ok);
		return { results };
	}
});
