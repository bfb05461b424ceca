import { createFailureClassifier, retryAfterMs } from '../kit/classify';
import { arrayOr, isObject, objectOr, stringOr } from './json';

/**
 * Gemini's `google.rpc` error body (docs/providers/gemini.md, "Errors") classified per docs/protocol.md, "Failure classification":
 * `{"error":{"code":429,"message":"…","status":"RESOURCE_EXHAUSTED","details":[…]}}`,
 * sometimes wrapped in a one-element array.
 */

interface GoogleError {
	message: string;
	status: string;
	/** `details[].reason` of ErrorInfo entries, e.g. API_KEY_INVALID. */
	reasons: string[];
	/** From RetryInfo.retryDelay ("23s", "1.5s"). */
	retryDelayMs: number | undefined;
}

export function googleError(status: number, text: string): GoogleError {
	let root: unknown;
	try {
		root = JSON.parse(text);
	} catch {
		root = undefined;
	}
	if (Array.isArray(root)) root = root[0];
	const error = objectOr(objectOr(root).error);
	const reasons: string[] = [];
	let retryDelayMs: number | undefined;
	for (const detail of arrayOr(error.details)) {
		if (!isObject(detail)) continue;
		if (typeof detail.reason === 'string') reasons.push(detail.reason);
		const delay = /^(\d+(?:\.\d+)?)s$/.exec(stringOr(detail.retryDelay));
		if (delay?.[1]) retryDelayMs = Math.round(Number(delay[1]) * 1000);
	}
	const fallback = text.trim() && !isObject(root) ? text.trim().slice(0, 300) : `The upstream answered with HTTP ${status}`;
	return { message: scrubKey(stringOr(error.message) || fallback), status: stringOr(error.status), reasons, retryDelayMs };
}

/**
 * Keys must not reach messages: Google keys ("AIza" + 35 characters) and `key=` URL parameters
 * are masked here already; the relay scrubs hostnames and URLs on top.
 */
export function scrubKey(message: string): string {
	return message.replace(/AIza[0-9A-Za-z_-]{30,}/g, 'AIza…').replace(/([?&]key=)[^&\s"']+/gi, '$1…');
}

const SERVER_FAULTS = new Set(['UNAVAILABLE', 'INTERNAL', 'DEADLINE_EXCEEDED', 'UNKNOWN']);
const BAD_CREDENTIALS = new Set(['UNAUTHENTICATED', 'PERMISSION_DENIED']);
const BAD_KEY_REASONS = new Set(['API_KEY_INVALID', 'API_KEY_EXPIRED', 'SERVICE_DISABLED', 'CONSUMER_SUSPENDED', 'BILLING_DISABLED']);

/** Gemini's errors: the `google.rpc` status and ErrorInfo reasons say more than the HTTP status. */
export const classifyGeminiFailure = createFailureClassifier({
	read: googleError,
	statuses: { 402: 'client', 529: 'retry' },
	hint(_status, e) {
		if (e.status === 'RESOURCE_EXHAUSTED') return 'cool';
		// "API key not valid" comes as 400 INVALID_ARGUMENT with reason API_KEY_INVALID.
		if (BAD_CREDENTIALS.has(e.status) || e.reasons.some((r) => BAD_KEY_REASONS.has(r))) return 'bad-key';
		if (e.status === 'NOT_FOUND') return 'model-unavailable';
		// Region not served, billing not enabled: this channel cannot do it, another may.
		if (e.status === 'FAILED_PRECONDITION') return { kind: 'retry' };
		if (SERVER_FAULTS.has(e.status)) return 'retry';
		return undefined;
	},
	retryAfter: (headers, e) => e.retryDelayMs ?? retryAfterMs(headers)
});
