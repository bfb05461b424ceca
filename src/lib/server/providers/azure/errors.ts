import { errorFields, retryAfterMs } from '../openai/errors';
import { parseJsonObject } from '../sse-reader';
import type { UpstreamFailure } from '../types';

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
 * PROTOCOLS.md §6.4 and §10. Azure's error bodies are OpenAI-like but loose: `code` is often a
 * status number as a string ("429", "400") and `type` / `param` are missing, so client errors
 * are completed to the OpenAI shape here.
 */
export function classifyAzureFailure(status: number, headers: Headers, text: string): UpstreamFailure {
	const f = errorFields(status, text);
	const base = { status, message: f.message };
	if (status === 429) return { ...base, kind: 'cool', retryAfterMs: azureRetryAfterMs(headers, f.message) };
	if (status === 401 || status === 403) return { ...base, kind: 'bad-key' };
	// DeploymentNotFound, or a path Azure does not serve for this resource: not this channel's model.
	if (status === 404) return { ...base, kind: 'model-unavailable' };
	if (status === 408 || status >= 500) return { ...base, kind: 'retry', retryAfterMs: azureRetryAfterMs(headers, f.message) };
	if (isContentFilter(text, f.code)) {
		return { ...base, kind: 'client', code: 'content_filter', type: 'invalid_request_error', param: f.param ?? 'prompt' };
	}
	// A code that is only the status again says nothing the status does not.
	const code = f.code !== null && /^\d+$/.test(f.code) ? null : f.code;
	return { ...base, kind: 'client', code, type: f.type ?? 'invalid_request_error', param: f.param };
}
