import type { DoorError } from '../../protocol/door';

/** Anthropic's error type for a status (docs/doors/messages.md, "Errors"). */
export function anthropicErrorType(err: Pick<DoorError, 'status' | 'type' | 'code'>): string {
	// Out of balance: the gateway answers 429 insufficient_quota on OpenAI doors; Anthropic calls that billing.
	if (err.type === 'insufficient_quota' || err.code === 'insufficient_quota' || err.status === 402) return 'billing_error';
	switch (err.status) {
		case 400:
		case 422:
			return 'invalid_request_error';
		case 401:
			return 'authentication_error';
		case 403:
			return 'permission_error';
		case 404:
			return 'not_found_error';
		case 413:
			return 'request_too_large';
		case 429:
			return 'rate_limit_error';
		case 503:
		case 529:
			return 'overloaded_error';
		case 408:
		case 504:
			return 'timeout_error';
		default:
			return err.status >= 400 && err.status < 500 ? 'invalid_request_error' : 'api_error';
	}
}

/** `{type: 'error', error: {type, message}}`: what the Anthropic SDKs parse into their APIError. */
export function anthropicErrorBody(err: DoorError): { type: 'error'; error: { type: string; message: string } } {
	return { type: 'error', error: { type: anthropicErrorType(err), message: err.message } };
}
