import { errorFields, retryAfterMs } from '../openai/errors';
import { parseJsonObject } from '../sse-reader';
import type { UpstreamFailure } from '../types';

interface EnvelopeError {
	code: number | undefined;
	message: string;
}

/** Cloudflare's `errors: [{code, message}]`, from an envelope (also the stream's error events). */
export function envelopeErrors(body: Record<string, unknown>): EnvelopeError[] {
	if (!Array.isArray(body.errors)) return [];
	const out: EnvelopeError[] = [];
	for (const item of body.errors) {
		if (item === null || typeof item !== 'object') continue;
		const { code, message } = item as Record<string, unknown>;
		const numeric = typeof code === 'number' ? code : typeof code === 'string' && /^\d+$/.test(code) ? Number(code) : undefined;
		out.push({ code: numeric, message: typeof message === 'string' ? message : 'Unknown error' });
	}
	return out;
}

/** The envelope's errors as one message ("<message> (code 3040); …"), or undefined. */
export function envelopeMessage(body: Record<string, unknown>): string | undefined {
	const errors = envelopeErrors(body);
	if (errors.length === 0) return undefined;
	return errors.map((e) => (e.code !== undefined ? `${e.message} (code ${e.code})` : e.message)).join('; ');
}

/** Daily free allocation: usable again at the next UTC midnight. */
function untilUtcMidnight(now: number): number {
	const midnight = new Date(now);
	midnight.setUTCHours(24, 0, 0, 0);
	return midnight.getTime() - now;
}

const BAD_KEY = new Set([10000, 3023, 3041, 5016, 5018]);
const NO_MODEL = new Set([5007, 3042]);
const TIMEOUT = new Set([3007, 3008]);

/**
 * PROTOCOLS.md §7.4 and §10. Cloudflare's internal codes say more than the status (a 400 can
 * be "no such model"), so they are read first; the compatible endpoints may also answer in
 * OpenAI's error shape, which the status then classifies.
 */
export function classifyWorkersAiFailure(status: number, headers: Headers, text: string, now = Date.now()): UpstreamFailure {
	const body = parseJsonObject(text);
	const envelope = body ? envelopeErrors(body) : [];
	const codes = new Set(envelope.map((e) => e.code));
	const message = (body && envelopeMessage(body)) ?? errorFields(status, text).message;
	const base = { status, message };
	const has = (set: Set<number>) => [...codes].some((code) => code !== undefined && set.has(code));
	if (codes.has(3036)) return { ...base, kind: 'bad-key', retryAfterMs: untilUtcMidnight(now) };
	if (codes.has(3040) || status === 429) return { ...base, kind: 'cool', retryAfterMs: retryAfterMs(headers) };
	if (has(BAD_KEY) || status === 401 || status === 403) return { ...base, kind: 'bad-key' };
	if (has(NO_MODEL) || status === 404) return { ...base, kind: 'model-unavailable' };
	if (has(TIMEOUT) || status === 408 || status >= 500) return { ...base, kind: 'retry', retryAfterMs: retryAfterMs(headers) };
	if (codes.has(3006) || status === 413) return { ...base, kind: 'client', code: 'request_too_large', type: 'invalid_request_error', param: null };
	if (envelope.length === 0) {
		const f = errorFields(status, text);
		return { ...base, kind: 'client', code: f.code, type: f.type ?? 'invalid_request_error', param: f.param };
	}
	return { ...base, kind: 'client', code: null, type: 'invalid_request_error', param: null };
}
