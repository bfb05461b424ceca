import type { ChatMessage } from '../../protocol/canonical';
import { inlineRemoteImages } from '../inline-images';
import { openAICompatible } from '../kit/openai-compatible';
import type { ChannelTarget, Door, ProviderAdaptor } from '../types';
import { workersAiConfig, workersAiConfigOf } from './config';
import { classifyWorkersAiFailure } from './errors';
import { buildNativeRequest, compatBody, compatUrl } from './request';
import { finishWorkersAiResponse } from './response';
import { createWorkersAiChunkTranslator, createWorkersAiStreamTranslator } from './stream';
import { imageInputOf } from './vision';

export { workersAiConfig } from './config';

/**
 * The OpenAI-compatible /ai/v1 endpoints, on the kit: the client's body passes through (with
 * Workers AI's message rewrites), answers and streams are read in both of Workers AI's shapes,
 * errors by Cloudflare's codes.
 */
const compatMode = openAICompatible({
	type: 'workers-ai',
	configSchema: workersAiConfig,
	doors: ['chat', 'embeddings'],
	url: compatUrl,
	rewriteBody: compatBody,
	finishResponse: (door, text, publicModel, maxTokens) => finishWorkersAiResponse(door, text, publicModel, maxTokens),
	createStreamTranslator: createWorkersAiStreamTranslator,
	classifyFailure: (status, headers, text) => classifyWorkersAiFailure(status, headers, text)
});

/** Chat of a 'native' channel goes to /ai/run/{model}; embeddings always use /ai/v1. */
function nativeChat(door: Door, channel: ChannelTarget): boolean {
	return door === 'chat' && workersAiConfigOf(channel.config).mode === 'native';
}

/**
 * Cloudflare Workers AI. Chat goes to the OpenAI-compatible /ai/v1 endpoint (passthrough) or,
 * in 'native' mode, to /ai/run/{model} (converted, images in each vision model's own shape:
 * docs/providers/workers-ai.md); embeddings always use /ai/v1.
 */
export const workersAiAdaptor: ProviderAdaptor = {
	...compatMode,
	native: (door, channel) => compatMode.native(door, channel) && !nativeChat(door, channel),
	// The vision models take images as bytes only (docs/providers/workers-ai.md).
	prepare: (body, fetchImage) => inlineRemoteImages(body, fetchImage),
	buildRequest: (input) => (nativeChat(input.door, input.channel) ? buildNativeRequest(input) : compatMode.buildRequest(input)),
	// Native streams are converted: their chunks go to a door's renderer as objects.
	createChunkTranslator: createWorkersAiChunkTranslator,
	testBody: (door, model) => (door === 'embeddings' ? { model, input: 'ping' } : { model, messages: [{ role: 'user', content: testContent(model) }], max_tokens: 1 })
};

/** A 1×1 PNG: an image-to-text model cannot be called without an image. */
const TEST_IMAGE = 'data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==';

function testContent(model: string): ChatMessage['content'] {
	return imageInputOf(model) === 'image-to-text' ? [{ type: 'text', text: 'ping' }, { type: 'image_url', image_url: { url: TEST_IMAGE } }] : 'ping';
}
