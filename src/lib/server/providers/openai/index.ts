import * as z from 'zod';
import type { ProviderAdaptor } from '../types';
import { buildOpenAIRequest } from './request';
import { classifyOpenAIFailure } from './errors';
import { finishOpenAIResponse } from './response';
import { createOpenAIStreamTranslator } from './stream';

/** OpenAI and every host that speaks its protocol (DeepSeek, Groq, OpenRouter, vLLM, Ollama, ...). */
export const openaiAdaptor: ProviderAdaptor = {
	type: 'openai',
	configSchema: z.looseObject({}),
	supports: (door) => door === 'chat' || door === 'completions' || door === 'embeddings',
	native: (door) => door === 'chat' || door === 'completions' || door === 'embeddings',
	buildRequest: buildOpenAIRequest,
	finishResponse: finishOpenAIResponse,
	createStreamTranslator: createOpenAIStreamTranslator,
	classifyFailure: classifyOpenAIFailure,
	testBody: (door, model) =>
		door === 'embeddings'
			? { model, input: 'ping' }
			: door === 'completions'
				? { model, prompt: 'ping', max_tokens: 1 }
				: { model, messages: [{ role: 'user', content: 'ping' }], max_tokens: 1 }
};
