import { openAICompatible } from '../kit/openai-compatible';
import { azureConfig } from './config';
import { classifyAzureFailure } from './errors';
import { buildAzureRequest } from './request';
import { finishAzureResponse } from './response';
import { createAzureChunkTranslator } from './stream';

export { azureConfig } from './config';

/** Azure OpenAI (and AI Foundry resources that serve the same API): OpenAI's wire format behind deployments. */
export const azureAdaptor = openAICompatible({
	type: 'azure',
	configSchema: azureConfig,
	buildRequest: buildAzureRequest,
	finishResponse: finishAzureResponse,
	createChunkTranslator: createAzureChunkTranslator,
	classifyFailure: classifyAzureFailure
});
