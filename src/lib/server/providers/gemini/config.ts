import * as z from 'zod';

/** A Google Cloud project id or location: letters, digits, hyphens (project ids may be domain-scoped, "example.com:proj"). */
const cloudName = z.string().regex(/^[a-z0-9][a-z0-9.:-]*$/i, 'Only letters, digits, ".", ":" and "-".');

export const geminiConfig = z.looseObject({
	apiVersion: z
		.enum(['v1beta', 'v1'])
		.default('v1beta')
		.meta({ description: 'Gemini API version. v1beta has every current feature (thinking, system instructions, JSON schemas); v1 lags behind.' }),
	vertex: z
		.object({
			project: cloudName.meta({ description: 'Google Cloud project id.' }),
			location: cloudName.meta({ description: 'Vertex AI location, e.g. us-central1, or "global".' })
		})
		.optional()
		.meta({
			description:
				'Call Vertex AI instead of the Gemini API. The channel key must then be an OAuth2 access token (sent as a Bearer token); the gateway does not mint tokens from service accounts.'
		})
});

export type GeminiConfig = z.infer<typeof geminiConfig>;

const DEFAULT_CONFIG: GeminiConfig = { apiVersion: 'v1beta' };
const parsedConfigs = new WeakMap<object, GeminiConfig>();

/**
 * The channel's config with defaults applied. Configs are validated when a channel is saved,
 * so a failure here means an older or hand-edited row: fall back to the defaults rather than
 * fail every call. Parsed once per config object (snapshots keep the object).
 */
export function configOf(raw: Readonly<Record<string, unknown>>): GeminiConfig {
	const cached = parsedConfigs.get(raw);
	if (cached) return cached;
	const result = geminiConfig.safeParse(raw);
	const config = result.success ? result.data : DEFAULT_CONFIG;
	parsedConfigs.set(raw, config);
	return config;
}

const GOOGLE_HOST = /(^|\.)googleapis\.com$/i;

/**
 * The URL that `models/{model}:method` is appended to.
 *
 * Gemini API: channel base URLs are normalised at load and a bare host gets "/v1" appended,
 * so "/v1" at the end cannot tell "the admin typed v1" from "the admin typed nothing". The rule:
 * - a path ending in "/v1beta" or "/v1alpha" pins that version: used as is;
 * - a path ending in "/v1" (normalisation's suffix, or typed) is replaced by the configured
 *   `apiVersion` (default v1beta), so an admin who really wants v1 says so in the config;
 * - any other path (a proxy prefix) gets "/{apiVersion}" appended.
 *
 * Vertex AI: `{v1}/projects/{project}/locations/{location}/publishers/google`, on the
 * location's regional host ("global" has none); a base URL outside googleapis.com (a proxy or
 * a test server) keeps its own origin and path prefix.
 */
export function apiRoot(baseUrl: string, config: GeminiConfig): string {
	const url = new URL(baseUrl);
	const path = url.pathname.replace(/\/+$/, '');
	if (config.vertex) {
		const { project, location } = config.vertex;
		const host = location === 'global' ? 'https://aiplatform.googleapis.com' : `https://${location}-aiplatform.googleapis.com`;
		const prefix = GOOGLE_HOST.test(url.hostname) ? host : url.origin + path.replace(/\/v1(beta1?)?$/, '');
		return `${prefix}/v1/projects/${encodeURIComponent(project)}/locations/${encodeURIComponent(location)}/publishers/google`;
	}
	if (/\/v1(beta|alpha)$/.test(path)) return url.origin + path;
	return `${url.origin}${path.replace(/\/v1$/, '')}/${config.apiVersion}`;
}

/** `{root}/models/{model}:generateContent` or the SSE stream form; the key never goes in the URL. */
export function endpointUrl(root: string, model: string, stream: boolean): string {
	const bare = model.replace(/^models\//, '');
	return `${root}/models/${encodeURIComponent(bare)}:${stream ? 'streamGenerateContent?alt=sse' : 'generateContent'}`;
}
