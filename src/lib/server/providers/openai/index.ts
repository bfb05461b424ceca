import type { ProviderAdaptor } from '../types';
import { buildOpenAIRequest } from './request';
import { finishOpenAIResponse, openAIErrorMessage } from './response';
import { createOpenAIStreamTranslator } from './stream';

/** OpenAI and every host that speaks its protocol (DeepSeek, Groq, OpenRouter, vLLM, Ollama, ...). */
export const openaiAdaptor: ProviderAdaptor = {
	type: 'openai',
	supports: () => true,
	buildRequest: buildOpenAIRequest,
	finishResponse: finishOpenAIResponse,
	createStreamTranslator: createOpenAIStreamTranslator,
	errorMessage: openAIErrorMessage
};
