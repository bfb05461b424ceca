import * as z from 'zod';
import { formatNumber } from '../i18n/format';
import { m } from '../paraglide/messages';

/** The sampling range OpenAI-style APIs accept. */
export const TEMPERATURE_MAX = 2;
/** A generous ceiling: the real one is the model's, and the balance bounds what a reply may cost. */
export const MAX_TOKENS_MAX = 1_000_000;

const temperatureError = () => m.playground_v_temperature({ max: formatNumber(TEMPERATURE_MAX) });
const maxTokensError = () => m.playground_v_max_tokens({ max: formatNumber(MAX_TOKENS_MAX) });

/** The knobs sent with each turn; null leaves the model's default. Checked in the page and again by the server. */
export const playgroundSettings = z.object({
	temperature: z.number({ error: temperatureError }).min(0, { error: temperatureError }).max(TEMPERATURE_MAX, { error: temperatureError }).nullable().default(null),
	maxTokens: z
		.number({ error: maxTokensError })
		.int({ error: maxTokensError })
		.min(1, { error: maxTokensError })
		.max(MAX_TOKENS_MAX, { error: maxTokensError })
		.nullable()
		.default(null)
});

/** One playground turn: the whole conversation so far, sent to the relay as a chat completion. */
export const playgroundChat = playgroundSettings.extend({
	keyId: z.number({ error: () => m.playground_pick_key() }).int().positive({ error: () => m.playground_pick_key() }),
	model: z.string({ error: () => m.playground_pick_model() }).trim().min(1, { error: () => m.playground_pick_model() }).max(200),
	messages: z
		.array(z.object({ role: z.enum(['system', 'user', 'assistant']), content: z.string().max(100_000) }))
		.min(1, { error: () => m.playground_write_first() })
		.max(200, { error: () => m.playground_too_long() })
});

export type PlaygroundSettings = z.output<typeof playgroundSettings>;
export type PlaygroundChat = z.output<typeof playgroundChat>;
