import * as z from 'zod';

/** What a Cloudflare Workers AI channel stores besides its API token (the channel key). */
export const workersAiConfig = z.looseObject({
	accountId: z
		.string()
		.trim()
		.regex(/^[0-9a-f]{32}$/i, 'A Cloudflare account id is 32 hexadecimal characters')
		.meta({ description: 'The Cloudflare account id (32 hex characters, shown in the dashboard URL and on the Workers AI page).' }),
	mode: z
		.enum(['openai', 'native'])
		.default('openai')
		.meta({
			description:
				'openai: the OpenAI-compatible /ai/v1 endpoints (chat passes through). native: /ai/run/{model}, for models the compatible endpoint does not serve (chat is converted). Embeddings always use /ai/v1.'
		})
});

export type WorkersAiConfig = z.infer<typeof workersAiConfig>;

const parsed = new WeakMap<object, WorkersAiConfig>();

/** The channel's config with defaults filled in (parsed once per config object). */
export function workersAiConfigOf(config: Readonly<Record<string, unknown>>): WorkersAiConfig {
	let out = parsed.get(config);
	if (!out) {
		const result = workersAiConfig.safeParse(config);
		// Saved configs are validated; an account id cannot be guessed.
		if (!result.success) throw new Error(`Invalid Workers AI channel config: ${z.prettifyError(result.error)}`);
		out = result.data;
		parsed.set(config, out);
	}
	return out;
}
