import { isReasoningModelName } from '../providers/reasoning-models';
import type { Door } from '../providers/types';

/**
 * Where an upstream reads the output limit, for the protocol the adaptor is asked to speak.
 * Chat uses `max_tokens`, which every OpenAI-compatible host knows, except for OpenAI's
 * reasoning models, which accept only `max_completion_tokens`; converting adaptors read both.
 */
function limitField(door: Door, upstreamModel: string): string | undefined {
	switch (door) {
		case 'chat':
			return isReasoningModelName(upstreamModel) ? 'max_completion_tokens' : 'max_tokens';
		case 'completions':
		case 'messages':
			return 'max_tokens';
		case 'responses':
			return 'max_output_tokens';
		case 'embeddings':
			return undefined;
	}
}

export interface LimitedBody {
	body: Record<string, unknown>;
	/** The body as text: the client's own bytes with the field spliced in when that is possible. */
	raw: string | undefined;
}

/**
 * A request the client sent without an output limit, given the one its reservation covers
 * (docs/billing.md): the model cannot then produce more than was held against the balance.
 * Passthrough bodies keep their bytes: the field is written in front of the others, unless
 * the body names it already (as null), when it is serialised again.
 */
export function withOutputLimit(given: LimitedBody, door: Door, upstreamModel: string, limit: number): LimitedBody {
	const { body, raw } = given;
	const field = limitField(door, upstreamModel);
	if (!field) return { body, raw };
	const limited = { ...body, [field]: limit };
	const open = raw === undefined || field in body ? -1 : raw.indexOf('{');
	const splice = open >= 0 && raw !== undefined && raw.slice(0, open).trim() === '';
	return { body: limited, raw: splice ? `${raw.slice(0, open + 1)}"${field}":${limit},${raw.slice(open + 1)}` : undefined };
}
