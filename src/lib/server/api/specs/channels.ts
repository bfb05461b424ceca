import * as z from 'zod';
import { channelBatchInput, channelCreate, channelDraft, channelDraftTest, channelTestInput, channelUpdate } from '../../../schemas/channels';
import { channelTestTimeoutMs, forgetChannelFailures } from '../../app/channel-tests';
import { testAllChannels, testChannel } from '../../services/channel-health';
import { batchChannels, checkChannelBalance, listUpstreamModels, testDraftChannel } from '../../services/channel-upstream';
import { createChannel, deleteChannel, getChannel, listChannels, setChannelEnabled, updateChannel } from '../../services/channels';
import { parseInput, type Localized } from '../../services/errors';
import { endpoint } from '../endpoint';
import { channelBalanceCheck, channelBatchResult, channelTestResult, channelView, pageOf, upstreamModels } from '../views';
import { idParams, pageParams } from './common';

const tag = 'Channels';

export const listChannelsEndpoint = endpoint({
	method: 'GET',
	path: '/api/channels',
	summary: 'List channels (secrets masked)',
	tag,
	access: 'reader',
	query: pageParams.extend({
		q: z.string().trim().max(200).optional().meta({ description: 'Part of the name, a tag, or part of a model name (any case).' }),
		tag: z.string().trim().max(32).optional().meta({ description: 'Only channels with this tag.' }),
		status: z.enum(['enabled', 'disabled']).optional(),
		type: z.string().trim().max(40).optional()
	}),
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

const testTimeoutMs = channelTestTimeoutMs;
const forgetFailures = forgetChannelFailures;

/** The API speaks English (docs/i18n.md). */
const english = (text: Localized | null) => (text ? text({ locale: 'en' }) : null);

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

export const listUpstreamModelsEndpoint = endpoint({
	method: 'POST',
	path: '/api/channels/models',
	summary: "Read the upstream's own model list for these settings (or a saved channel's); nothing is written",
	tag,
	access: 'admin',
	body: channelDraft,
	response: upstreamModels,
	handle: async ({ svc, actor, body }) => {
		const result = await listUpstreamModels(svc, actor, body, testTimeoutMs());
		return { ...result, error: english(result.error) };
	}
});

export const testDraftChannelEndpoint = endpoint({
	method: 'POST',
	path: '/api/channels/draft-test',
	summary: 'Send a minimal real request with settings not saved (yet); nothing is written or recorded',
	tag,
	access: 'admin',
	body: channelDraftTest,
	response: channelTestResult,
	handle: ({ svc, actor, body }) => testDraftChannel(svc, actor, body, testTimeoutMs())
});

export const checkChannelBalanceEndpoint = endpoint({
	method: 'POST',
	path: '/api/channels/{id}/balance',
	summary: "Ask the provider for the account's balance (DeepSeek, OpenRouter, SiliconFlow, Moonshot) and keep it with the channel",
	tag,
	access: 'admin',
	params: idParams,
	response: channelBalanceCheck,
	handle: async ({ svc, actor, params }) => {
		const result = await checkChannelBalance(svc, actor, params.id, testTimeoutMs());
		return { ...result, error: english(result.error) };
	}
});

export const batchChannelsEndpoint = endpoint({
	method: 'POST',
	path: '/api/channels/batch',
	summary: 'One action (enable, disable, test, balance, delete) on several channels, each as the single action does it (audited alike)',
	tag,
	access: 'admin',
	body: channelBatchInput,
	response: channelBatchResult,
	handle: async ({ svc, actor, body }) => {
		const items = await batchChannels(svc, actor, body, testTimeoutMs());
		for (const item of items) if (item.test) forgetFailures(item.id, item.test.ok);
		return { results: items.map((item) => ({ ...item, error: english(item.error) })) };
	}
});
