import * as z from 'zod';
import { createResponsesPassthroughTranslator, finishResponsesPassthrough } from './responses-passthrough';
import type { ProviderAdaptor } from '../types';
import { buildOpenAIRequest } from './request';
import { classifyOpenAIFailure } from './errors';
import { finishOpenAIResponse } from './response';
import { createOpenAIStreamTranslator } from './stream';

export const openaiConfig = z.looseObject({
	responsesApi: z
		.boolean()
		.default(false)
		.meta({ description: 'The upstream serves /responses itself (OpenAI does): calls to /v1/responses pass through unconverted.' })
});

/** Whether a stored config turns the Responses passthrough on (a config that does not parse does not). */
function servesResponses(config: Readonly<Record<string, unknown>>): boolean {
	return config.responsesApi === true;
}

/** OpenAI and every host that speaks its protocol (DeepSeek, Groq, OpenRouter, vLLM, Ollama, ...). */
export const openaiAdaptor: ProviderAdaptor = {
	type: 'openai',
	configSchema: openaiConfig,
	supports: (door) => door === 'chat' || door === 'completions' || door === 'embeddings',
	native: (door, channel) => door === 'chat' || door === 'completions' || door === 'embeddings' || (door === 'responses' && servesResponses(channel.config)),
	buildRequest: buildOpenAIRequest,
	finishResponse: (door, text, publicModel) => (door === 'responses' ? finishResponsesPassthrough(text, publicModel) : finishOpenAIResponse(door, text, publicModel)),
	createStreamTranslator: (options) => (options.door === 'responses' ? createResponsesPassthroughTranslator(options) : createOpenAIStreamTranslator(options)),
	classifyFailure: classifyOpenAIFailure,
	testBody: (door, model) =>
		door === 'embeddings'
			? { model, input: 'ping' }
			: door === 'completions'
				? { model, prompt: 'ping', max_tokens: 1 }
				: { model, messages: [{ role: 'user', content: 'ping' }], max_tokens: 1 }
};
