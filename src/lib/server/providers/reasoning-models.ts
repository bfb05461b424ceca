/**
 * OpenAI's reasoning models (o1, o3-mini, o4-mini, gpt-5…) by name; deployments are often named
 * after their model. They take the output limit only as `max_completion_tokens` and refuse
 * sampling knobs, on OpenAI and Azure alike.
 */
const REASONING_MODEL_NAME = /^(o\d|gpt-5)/i;

export function isReasoningModelName(name: string): boolean {
	return REASONING_MODEL_NAME.test(name);
}
