import { createFailureClassifier } from '../kit/classify';
import { recordOr as rec } from '../../protocol/json';

export { UpstreamRequestError } from '../../protocol/errors';

export interface AnthropicError {
	type: string | undefined;
	message: string;
	/** `error.details.error_code`, e.g. enforced_spend_limit_reached. */
	detailCode: string | undefined;
}

const str = (value: unknown): string | undefined => (typeof value === 'string' && value.trim() ? value : undefined);

/** `{"type":"error","error":{"type","message"}}` (also as an SSE error event's data), or the text. */
export function anthropicError(status: number, text: string): AnthropicError {
	let root: Record<string, unknown> | undefined;
	try {
		root = rec(JSON.parse(text));
	} catch {
		root = undefined;
	}
	const error = rec(root?.error);
	if (error) {
		return {
			type: str(error.type),
			message: str(error.message) ?? `The upstream answered with HTTP ${status}`,
			detailCode: str(rec(error.details)?.error_code)
		};
	}
	const message = str(root?.message) ?? (root ? undefined : str(text.trim().slice(0, 300)));
	return { type: undefined, message: message ?? `The upstream answered with HTTP ${status}`, detailCode: undefined };
}

/** A 400 that is about this channel's account rather than the request (docs/providers/anthropic.md, "Errors"). */
const ACCOUNT_PROBLEM = /credit balance|spend limit|billing/i;
const TOO_LONG = /prompt is too long|context (window|length)|too many tokens/i;

/** Anthropic's errors (docs/providers/anthropic.md, "Errors"): its error types say as much as the status. */
export const classifyAnthropicFailure = createFailureClassifier({
	read: anthropicError,
	// A spend limit is not a moment's congestion: retrying this key soon would fail again.
	decisive: (status, e) => (status === 429 && (e.detailCode === 'enforced_spend_limit_reached' || /spend limit/i.test(e.message)) ? 'bad-key' : undefined),
	hint(status, e) {
		if (e.type === 'overloaded_error') return 'cool';
		if (e.type === 'billing_error' || e.type === 'authentication_error') return 'bad-key';
		if (status === 400 && ACCOUNT_PROBLEM.test(e.message)) return 'bad-key';
		return undefined;
	},
	client: (status, e) =>
		status === 413
			? { type: 'invalid_request_error', code: 'request_too_large', param: null }
			: { type: 'invalid_request_error', code: TOO_LONG.test(e.message) ? 'context_length_exceeded' : null, param: null }
});
