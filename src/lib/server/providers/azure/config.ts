import * as z from 'zod';

/** Dated versions look like 2024-10-21 or 2025-04-01-preview; `v1` selects the versionless v1 API. */
const API_VERSION = /^(v1|\d{4}-\d{2}-\d{2}(-preview)?)$/;

/** What an Azure OpenAI channel stores besides its endpoint (the channel's base URL) and keys. */
export const azureConfig = z.looseObject({
	apiVersion: z
		.string()
		.trim()
		.regex(API_VERSION, 'Use a dated api-version such as 2024-10-21 or 2025-04-01-preview, or v1')
		.default('2024-10-21')
		.meta({
			description:
				'The api-version query parameter (e.g. 2024-10-21, 2025-04-01-preview). "v1" uses the versionless /openai/v1 API, where the body names the deployment.'
		}),
	deployments: z
		.record(z.string().min(1), z.string().trim().min(1))
		.optional()
		.meta({
			description:
				'Model name (public or upstream) → deployment name. Without an entry the upstream model name is used as the deployment name.'
		}),
	authMode: z
		.enum(['api-key', 'bearer'])
		.default('api-key')
		.meta({ description: 'api-key: the key goes in the api-key header. bearer: it is a Microsoft Entra ID token sent as Authorization: Bearer.' }),
	reasoningModels: z
		.array(z.string().trim().min(1))
		.optional()
		.meta({
			description:
				'Deployments or model names served by reasoning models (max_completion_tokens, no temperature/top_p/penalties/logprobs). Default: names starting with o1, o3, o4… or gpt-5.'
		})
});

export type AzureConfig = z.infer<typeof azureConfig>;

const parsed = new WeakMap<object, AzureConfig>();

/**
 * The channel's config with defaults filled in. The snapshot holds what was validated on save,
 * but it may predate a default, so it is parsed again here (once per config object).
 */
export function azureConfigOf(config: Readonly<Record<string, unknown>>): AzureConfig {
	let out = parsed.get(config);
	if (!out) {
		const result = azureConfig.safeParse(config);
		// Saved configs are validated, so this is a config written around the admin API: say so
		// rather than guess a deployment or api-version.
		if (!result.success) throw new Error(`Invalid Azure channel config: ${z.prettifyError(result.error)}`);
		out = result.data;
		parsed.set(config, out);
	}
	return out;
}
