import { openAICompatible } from '../kit/openai-compatible';
import { finishOpenAIResponse, type OpenAIAnswerDialect } from '../openai/response';
import { createOpenAIStreamTranslator } from '../openai/stream';
import { DEEPSEEK_BASE_URL, deepseekConfig } from './config';
import { buildDeepSeekRequest } from './request';
import { usageFromDeepSeek } from './usage';

export { DEEPSEEK_BASE_URL, deepseekConfig } from './config';

const DIALECT: OpenAIAnswerDialect = { readUsage: usageFromDeepSeek, reasoningText: true };

/** DeepSeek's API (docs/providers/deepseek.md): OpenAI's protocol, its own paths, cache usage and reasoning text. */
export const deepseekAdaptor = openAICompatible({
	type: 'deepseek',
	configSchema: deepseekConfig,
	defaultBaseUrl: DEEPSEEK_BASE_URL,
	doors: ['chat', 'completions'],
	buildRequest: buildDeepSeekRequest,
	finishResponse: (door, text, publicModel) => finishOpenAIResponse(door, text, publicModel, DIALECT),
	createStreamTranslator: (options) => createOpenAIStreamTranslator(options, usageFromDeepSeek)
});
