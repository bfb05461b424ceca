import * as z from 'zod';

/** Where DeepSeek's API lives (https://api-docs.deepseek.com/). */
export const DEEPSEEK_BASE_URL = 'https://api.deepseek.com';

/** What a DeepSeek channel stores besides its base URL and keys; unknown fields are refused. */
export const deepseekConfig = z.strictObject({
	beta: z
		.boolean()
		.default(false)
		.meta({
			description:
				'Send chat to the /beta endpoint (chat prefix completion: a last assistant message with prefix: true is continued). Legacy /v1/completions (FIM) always goes to /beta.'
		})
});

export type DeepSeekConfig = z.infer<typeof deepseekConfig>;

const parsed = new WeakMap<object, DeepSeekConfig>();

/** The channel's config with defaults filled in (parsed once per config object, as saved configs may predate a default). */
export function deepseekConfigOf(config: Readonly<Record<string, unknown>>): DeepSeekConfig {
	let out = parsed.get(config);
	if (!out) {
		const result = deepseekConfig.safeParse(config);
		if (!result.success) throw new Error(`Invalid DeepSeek channel config: ${z.prettifyError(result.error)}`);
		out = result.data;
		parsed.set(config, out);
	}
	return out;
}
