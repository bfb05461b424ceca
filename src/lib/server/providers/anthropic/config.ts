import * as z from 'zod';

export const ANTHROPIC_VERSIONS = ['2023-06-01', '2026-10-21'] as const;
export type AnthropicVersion = (typeof ANTHROPIC_VERSIONS)[number];

/**
 * An Anthropic channel's own settings (docs/providers/anthropic.md, "Auth and endpoints"). Loose, because the relay keeps its
 * `timeouts` in the same object.
 */
export const anthropicConfig = z.looseObject({
	anthropicVersion: z
		.enum(ANTHROPIC_VERSIONS)
		.default('2023-06-01')
		.meta({
			description:
				'The anthropic-version header sent upstream. 2023-06-01 accepts temperature, top_p and top_k; under 2026-10-21 the gateway drops them, because that version refuses them.'
		}),
	authHeader: z
		.enum(['x-api-key', 'bearer'])
		.optional()
		.meta({ description: 'How the key is sent: an x-api-key header or Authorization: Bearer. Default: x-api-key for 2023-06-01, bearer for 2026-10-21.' }),
	betas: z
		.array(z.string().trim().min(1).max(200))
		.max(50)
		.optional()
		.meta({ description: 'anthropic-beta values sent with requests converted from other formats (e.g. a 1M-context beta). Native /v1/messages calls forward the client’s own.' })
});

export interface AnthropicSettings {
	version: AnthropicVersion;
	auth: 'x-api-key' | 'bearer';
	betas: readonly string[];
}

const cache = new WeakMap<object, AnthropicSettings>();

/**
 * The settings a channel's config object stands for. Configs are validated when a channel is
 * saved, but one stored before this adaptor existed (or edited by hand) still has to work:
 * anything unreadable falls back to the defaults rather than failing every request.
 */
export function settingsOf(config: Readonly<Record<string, unknown>>): AnthropicSettings {
	const cached = cache.get(config);
	if (cached) return cached;
	const parsed = anthropicConfig.safeParse(config);
	const version = parsed.success ? parsed.data.anthropicVersion : '2023-06-01';
	const settings: AnthropicSettings = {
		version,
		auth: (parsed.success ? parsed.data.authHeader : undefined) ?? (version === '2023-06-01' ? 'x-api-key' : 'bearer'),
		betas: (parsed.success ? parsed.data.betas : undefined) ?? []
	};
	cache.set(config, settings);
	return settings;
}

/** Sampling parameters the 2026-10-21 API version answers 400 to (docs/providers/anthropic.md, "Auth and endpoints"). */
export const SAMPLING_PARAMS = ['temperature', 'top_p', 'top_k'] as const;

export function refusesSampling(version: AnthropicVersion): boolean {
	return version === '2026-10-21';
}
