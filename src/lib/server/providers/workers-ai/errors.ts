import { createFailureClassifier } from '../kit/classify';
import { errorFields } from '../openai/errors';
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

interface WorkersError {
	message: string;
	envelope: EnvelopeError[];
	codes: Set<number | undefined>;
}

function workersError(status: number, text: string): WorkersError {
	const body = parseJsonObject(text);
	const envelope = body ? envelopeErrors(body) : [];
	return { message: (body && envelopeMessage(body)) ?? errorFields(status, text).message, envelope, codes: new Set(envelope.map((e) => e.code)) };
}

const hasAny = (codes: Set<number | undefined>, set: Set<number>) => [...codes].some((code) => code !== undefined && set.has(code));

/**
 * Workers AI's errors (docs/providers/workers-ai.md, "Errors"). Cloudflare's internal codes say
 * more than the status (a 400 can be "no such model"); the compatible endpoints may also answer
 * in OpenAI's error shape, which the status then classifies. The classifier is built per call
 * for its clock (failures only, never the answered path).
 */
export function classifyWorkersAiFailure(status: number, headers: Headers, text: string, now = Date.now()): UpstreamFailure {
	return createFailureClassifier({
		read: workersError,
		statuses: { 402: 'client', 529: 'retry' },
		decisive: (_status, e) => (e.codes.has(3036) ? { kind: 'bad-key', retryAfterMs: untilUtcMidnight(now) } : undefined),
		hint(_status, e) {
			if (e.codes.has(3040)) return 'cool';
			if (hasAny(e.codes, BAD_KEY)) return 'bad-key';
			if (hasAny(e.codes, NO_MODEL)) return 'model-unavailable';
			if (hasAny(e.codes, TIMEOUT)) return 'retry';
			return undefined;
		},
		client(status, e, text) {
			if (e.codes.has(3006) || status === 413) return { code: 'request_too_large', type: 'invalid_request_error', param: null };
			if (e.envelope.length > 0) return { code: null, type: 'invalid_request_error', param: null };
			const f = errorFields(status, text);
			return { code: f.code, type: f.type ?? 'invalid_request_error', param: f.param };
		}
	})(status, headers, text);
}
