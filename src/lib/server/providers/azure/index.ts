import type { ProviderAdaptor } from '../types';
import { azureConfig } from './config';
import { classifyAzureFailure } from './errors';
import { buildAzureRequest } from './request';
import { finishAzureResponse } from './response';
import { createAzureStreamTranslator } from './stream';

export { azureConfig } from './config';

/** Azure OpenAI (and AI Foundry resources that serve the same API): OpenAI's wire format behind deployments. */
export const azureAdaptor: ProviderAdaptor = {
	type: 'azure',
	configSchema: azureConfig,
	supports: (door) => door === 'chat' || door === 'completions' || door === 'embeddings',
	native: (door) => door === 'chat' || door === 'completions' || door === 'embeddings',
	buildRequest: buildAzureRequest,
	finishResponse: finishAzureResponse,
	createStreamTranslator: createAzureStreamTranslator,
	classifyFailure: classifyAzureFailure,
	testBody: (door, model) =>
		door === 'embeddings'
			? { model, input: 'ping' }
			: door === 'completions'
				? { model, prompt: 'ping', max_tokens: 1 }
				: { model, messages: [{ role: 'user', content: 'ping' }], max_tokens: 1 }
};
