import type { ChatMessage } from '../../protocol/canonical';
import { inlineRemoteImages } from '../inline-images';
import type { ProviderAdaptor } from '../types';
import { workersAiConfig, workersAiConfigOf } from './config';
import { classifyWorkersAiFailure } from './errors';
import { buildWorkersAiRequest } from './request';
import { finishWorkersAiResponse } from './response';
import { createWorkersAiChunkTranslator, createWorkersAiStreamTranslator } from './stream';
import { imageInputOf } from './vision';

export { workersAiConfig } from './config';

/**
 * Cloudflare Workers AI. Chat goes to the OpenAI-compatible /ai/v1 endpoint (passthrough) or,
 * in 'native' mode, to /ai/run/{model} (converted, images in each vision model's own shape:
 * docs/providers/workers-ai.md); embeddings always use /ai/v1.
 */
export const workersAiAdaptor: ProviderAdaptor = {
	type: 'workers-ai',
	configSchema: workersAiConfig,
	supports: (door) => door === 'chat' || door === 'embeddings',
	native: (door, channel) => door === 'embeddings' || (door === 'chat' && workersAiConfigOf(channel.config).mode === 'openai'),
	// The vision models take images as bytes only (docs/providers/workers-ai.md).
	prepare: (body, fetchImage) => inlineRemoteImages(body, fetchImage),
	buildRequest: buildWorkersAiRequest,
	finishResponse: (door, text, publicModel, maxTokens) => finishWorkersAiResponse(door, text, publicModel, maxTokens),
	createStreamTranslator: createWorkersAiStreamTranslator,
	createChunkTranslator: createWorkersAiChunkTranslator,
	classifyFailure: (status, headers, text) => classifyWorkersAiFailure(status, headers, text),
	testBody: (door, model) => (door === 'embeddings' ? { model, input: 'ping' } : { model, messages: [{ role: 'user', content: testContent(model) }], max_tokens: 1 })
};

/** A 1×1 PNG: an image-to-text model cannot be called without an image. */
const TEST_IMAGE = 'data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==';

function testContent(model: string): ChatMessage['content'] {
	return imageInputOf(model) === 'image-to-text' ? [{ type: 'text', text: 'ping' }, { type: 'image_url', image_url: { url: TEST_IMAGE } }] : 'ping';
}
