/**
 * What a Claude model accepts, from its id (docs/providers/anthropic.md, "Request mapping"). The one place that
 * looks at model names: ids are parsed into family and version ("claude-sonnet-4-5",
 * "claude-opus-4-1-20250805", "claude-3-7-sonnet-latest", Bedrock's "anthropic.claude-…"),
 * and the capability rules compare versions.
 *
 * An id that cannot be parsed (an alias, a proxy's own name) is taken to be a current model:
 * it gets output_config structured output and budget thinking, the form current models still
 * accept.
 */

export interface ModelCapabilities {
	/** Any extended thinking at all (Claude 3.7 and later). */
	thinking: boolean;
	/** `thinking: {type:"adaptive"}` + `output_config.effort` instead of budget_tokens (4.6 and later). */
	adaptiveThinking: boolean;
	/** `output_config.format` structured output (Opus 4.1, the 4.5 family and later). */
	outputFormat: boolean;
}

const CURRENT: ModelCapabilities = { thinking: true, adaptiveThinking: false, outputFormat: true };

export function capabilitiesOf(model: string): ModelCapabilities {
	const id = model.toLowerCase();
	// Newer ids: claude-<family>-<major>[-<minor>][-<date>]; a minor has one or two digits, a date eight.
	const modern = /claude-([a-z]+)-(\d+)(?:-(\d{1,2}))?(?=$|[-@:.])/.exec(id);
	if (modern && !/^\d/.test(modern[1]!)) return rules(modern[1]!, Number(modern[2]), Number(modern[3] ?? 0));
	// Older ids: claude-<major>[-<minor>]-<family>.
	const legacy = /claude-(\d+)(?:-(\d))?-([a-z]+)/.exec(id);
	if (legacy) return rules(legacy[3]!, Number(legacy[1]), Number(legacy[2] ?? 0));
	return CURRENT;
}

function rules(family: string, major: number, minor: number): ModelCapabilities {
	const v = major * 100 + minor;
	return {
		thinking: v >= 307,
		adaptiveThinking: v >= 406,
		outputFormat: v >= 405 || (family === 'opus' && v >= 401)
	};
}
