import type { ProviderAdaptor } from '../types';
import { geminiConfig } from './config';
import { classifyGeminiFailure } from './errors';
import { prepareGeminiRequest } from './prepare';
import { buildGeminiRequest, geminiTestBody } from './request';
import { finishGeminiResponse } from './response';
import { createGeminiChunkTranslator, createGeminiStreamTranslator } from './stream';

export { geminiConfig } from './config';

/**
 * Google Gemini (Generative Language API, or Vertex AI with an access token): always
 * converted from and to canonical OpenAI chat (docs/providers/gemini.md).
 */
export const geminiAdaptor: ProviderAdaptor = {
	type: 'gemini',
	configSchema: geminiConfig,
	supports: (door) => door === 'chat',
	native: () => false,
	prepare: prepareGeminiRequest,
	buildRequest: buildGeminiRequest,
	finishResponse: finishGeminiResponse,
	createStreamTranslator: createGeminiStreamTranslator,
	createChunkTranslator: createGeminiChunkTranslator,
	classifyFailure: classifyGeminiFailure,
	testBody: (_door, model) => geminiTestBody(model)
};
