import * as z from 'zod';
import { openAICompatible } from '../kit/openai-compatible';
import { createResponsesPassthroughTranslator, finishResponsesPassthrough } from './responses-passthrough';
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

/** OpenAI and every host that speaks its protocol (Groq, OpenRouter, vLLM, Ollama, ...). */
export const openaiAdaptor = openAICompatible({
	type: 'openai',
	configSchema: openaiConfig,
	alsoNative: (door, channel) => door === 'responses' && servesResponses(channel.config),
	finishResponse: (door, text, publicModel) => (door === 'responses' ? finishResponsesPassthrough(text, publicModel) : finishOpenAIResponse(door, text, publicModel)),
	createStreamTranslator: (options) => (options.door === 'responses' ? createResponsesPassthroughTranslator(options) : createOpenAIStreamTranslator(options))
});
