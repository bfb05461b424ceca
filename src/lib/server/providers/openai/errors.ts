import type { UpstreamFailure } from '../types';

interface ErrorFields {
	message: string;
	code: string | null;
	type: string | undefined;
	param: string | null;
}

/** The OpenAI-style error object in a body (`{"error":{...}}` or `{"error":"..."}`), or the text. */
export function errorFields(status: number, text: string): ErrorFields {
	try {
		const parsed: unknown = JSON.parse(text);
		const root = parsed !== null && typeof parsed === 'object' ? (parsed as Record<string, unknown>) : {};
		const error = root.error;
		if (typeof error === 'string') return { message: error, code: null, type: undefined, param: null };
		if (error !== null && typeof error === 'object') {
			const e = error as Record<string, unknown>;
			return {
				message: typeof e.message === 'string' && e.message.trim() ? e.message : `The upstream answered with HTTP ${status}`,
				code: typeof e.code === 'string' ? e.code : typeof e.code === 'number' ? String(e.code) : null,
				type: typeof e.type === 'string' ? e.type : undefined,
				param: typeof e.param === 'string' ? e.param : null
			};
		}
		if (typeof root.message === 'string') return { message: root.message, code: null, type: undefined, param: null };
	} catch {
		// not JSON: fall through
	}
	const trimmed = text.trim();
	return { message: trimmed ? trimmed.slice(0, 300) : `The upstream answered with HTTP ${status}`, code: null, type: undefined, param: null };
}

/** retry-after-ms, else retry-after as seconds or an HTTP date; undefined when absent. */
export function retryAfterMs(headers: Headers, now = Date.now()): number | undefined {
	const ms = Number(headers.get('retry-after-ms'));
	if (Number.isFinite(ms) && ms > 0) return ms;
	const value = headers.get('retry-after');
	if (!value) return undefined;
	const seconds = Number(value);
	if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
	const date = Date.parse(value);
	return Number.isFinite(date) ? Math.max(0, date - now) : undefined;
}

const CREDIT = /insufficient_quota|billing|credit|payment|quota exceeded|exceeded your current quota/i;

/** PROTOCOLS.md §10 for OpenAI-style upstreams. */
export function classifyOpenAIFailure(status: number, headers: Headers, text: string): UpstreamFailure {
	const f = errorFields(status, text);
	const base = { status, message: f.message };
	if (status === 429) {
		// OpenAI answers 429 insufficient_quota when the account is out of credit: the key, not the moment.
		if (f.code === 'insufficient_quota' || f.type === 'insufficient_quota' || CREDIT.test(f.code ?? '')) {
			return { ...base, kind: 'bad-key' };
		}
		return { ...base, kind: 'cool', retryAfterMs: retryAfterMs(headers) };
	}
	if (status === 529) return { ...base, kind: 'cool', retryAfterMs: retryAfterMs(headers) };
	if (status === 401 || status === 403 || status === 402) return { ...base, kind: 'bad-key' };
	if (status === 404) return { ...base, kind: 'model-unavailable' };
	if (status === 408 || status >= 500) return { ...base, kind: 'retry', retryAfterMs: retryAfterMs(headers) };
	return { ...base, kind: 'client', code: f.code, type: f.type, param: f.param };
}
