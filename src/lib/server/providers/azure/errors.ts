import { errorFields, retryAfterMs } from '../openai/errors';
import { parseJsonObject } from '../sse-reader';
import { createFailureClassifier } from '../kit/classify';

/** "…Please retry after 6 seconds." in Azure's 429 messages, for when no header says it. */
const RETRY_IN_MESSAGE = /retry after (\d+(?:\.\d+)?) seconds?/i;

/**
 * The wait Azure asks for: retry-after-ms, x-ms-retry-after-ms, retry-after (seconds or a
 * date), else the number of seconds its message names.
 */
export function azureRetryAfterMs(headers: Headers, message: string): number | undefined {
	const msAzure = Number(headers.get('x-ms-retry-after-ms'));
	return (
		retryAfterMs(headers) ??
		(Number.isFinite(msAzure) && msAzure > 0 ? msAzure : undefined) ??
		(RETRY_IN_MESSAGE.test(message) ? Number(RETRY_IN_MESSAGE.exec(message)?.[1]) * 1000 : undefined)
	);
}

/** Azure's content-management refusal: code content_filter, or innererror ResponsibleAIPolicyViolation. */
function isContentFilter(text: string, code: string | null): boolean {
	if (code === 'content_filter') return true;
	const error = parseJsonObject(text)?.error;
	const inner = error !== null && typeof error === 'object' ? (error as Record<string, unknown>).innererror : undefined;
	return inner !== null && typeof inner === 'object' && (inner as Record<string, unknown>).code === 'ResponsibleAIPolicyViolation';
}

/**
 * Azure's errors (docs/providers/azure.md, "Errors"): OpenAI-like bodies, but loose: `code` is
 * often a status number as a string ("429", "400") and `type` / `param` are missing, so client
 * errors are completed to the OpenAI shape here. 402 is not a billing refusal on Azure, and
 * 529 is an ordinary server fault.
 */
export const classifyAzureFailure = createFailureClassifier({
	read: errorFields,
	statuses: { 402: 'client', 529: 'retry' },
	retryAfter: (headers, f) => azureRetryAfterMs(headers, f.message),
	client(_status, f, text) {
		if (isContentFilter(text, f.code)) return { code: 'content_filter', type: 'invalid_request_error', param: f.param ?? 'prompt' };
		// A code that is only the status again says nothing the status does not.
		const code = f.code !== null && /^\d+$/.test(f.code) ? null : f.code;
		return { code, type: f.type ?? 'invalid_request_error', param: f.param };
	}
});
