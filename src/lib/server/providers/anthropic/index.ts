import type { ProviderAdaptor } from '../types';
import { anthropicConfig } from './config';
import { classifyAnthropicFailure } from './errors';
import { createAnthropicPassthroughTranslator } from './passthrough';
import { buildAnthropicRequest } from './request';
import { finishAnthropicResponse } from './response';
import { createAnthropicChunkTranslator, createAnthropicStreamTranslator } from './stream';

export { anthropicConfig } from './config';
export { UpstreamRequestError } from './errors';

/**
 * Anthropic's Messages API (docs/providers/anthropic.md). Chat requests are converted; the /v1/messages
 * door passes through natively.
 */
export const anthropicAdaptor: ProviderAdaptor = {
	type: 'anthropic',
	configSchema: anthropicConfig,
	supports: (door) => door === 'chat',
	native: (door) => door === 'messages',
	buildRequest: buildAnthropicRequest,
	finishResponse: finishAnthropicResponse,
	createStreamTranslator: (options) =>
		options.door === 'messages' ? createAnthropicPassthroughTranslator(options) : createAnthropicStreamTranslator(options),
	// Rendered doors only: the messages door is passed through above.
	createChunkTranslator: createAnthropicChunkTranslator,
	classifyFailure: classifyAnthropicFailure,
	// One shape serves both doors: it is a valid chat request and a valid Messages body.
	testBody: (_door, model) => ({ model, max_tokens: 1, messages: [{ role: 'user', content: 'ping' }] })
};
