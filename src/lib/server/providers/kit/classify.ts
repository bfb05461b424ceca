import type { FailureKind, UpstreamFailure } from '../types';

/** The client-error fields passed on to the client (OpenAI's code, type and param). */
export type ClientFields = Pick<UpstreamFailure, 'code' | 'type' | 'param'>;

/** What a rule may say: a kind, or a kind with its own fields (e.g. a wait for a 'bad-key'). */
export type Verdict = FailureKind | ({ kind: FailureKind } & Partial<Omit<UpstreamFailure, 'kind' | 'status'>>);

export interface ClassifierSpec<E extends { message: string }> {
	/** The provider's error body, read once (its message is what the relay logs, scrubbed). */
	read(status: number, text: string): E;
	/** Statuses this provider means otherwise than the common table (e.g. 402 as a client error). */
	statuses?: Readonly<Partial<Record<number, FailureKind>>>;
	/** A rule that beats everything, the status included (e.g. OpenAI's 429 insufficient_quota is the key's). */
	decisive?(status: number, error: E): Verdict | undefined;
	/**
	 * What the body says on its own (an error type or code); when both it and the status have
	 * something to say, the graver verdict wins (see SEVERITY).
	 */
	hint?(status: number, error: E): Verdict | undefined;
	/** The wait a 'cool' or 'retry' carries (default: retry-after-ms / retry-after). */
	retryAfter?(headers: Headers, error: E): number | undefined;
	/** The fields a client error passes on (default: none known: null code and param, invalid_request_error). */
	client?(status: number, error: E, text: string): ClientFields;
}

/**
 * What each status means to the relay (docs/protocol.md, "Failure classification"): rate limited or
 * overloaded cools the channel down, refused credentials or credit disable the key, a missing
 * model skips the channel for it, a timeout or server fault tries another channel, the rest is
 * the client's. Statuses not listed: 5xx retry, anything else is the client's.
 */
const STATUS_TABLE: Readonly<Partial<Record<number, FailureKind>>> = {
	401: 'bad-key',
	402: 'bad-key',
	403: 'bad-key',
	404: 'model-unavailable',
	408: 'retry',
	429: 'cool',
	529: 'cool'
};

/** Which verdict wins when the status and the body disagree: the first in this list. */
const SEVERITY: readonly FailureKind[] = ['cool', 'bad-key', 'model-unavailable', 'retry', 'client'];

export function statusKind(status: number, overrides?: Readonly<Partial<Record<number, FailureKind>>>): FailureKind {
	return overrides?.[status] ?? STATUS_TABLE[status] ?? (status >= 500 ? 'retry' : 'client');
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

const kindOf = (verdict: Verdict): FailureKind => (typeof verdict === 'string' ? verdict : verdict.kind);
const UNKNOWN_CLIENT: ClientFields = { type: 'invalid_request_error', code: null, param: null };

/**
 * A provider's `classifyFailure` from the common status table and the provider's own rules:
 * the decisive rule first, else the graver of the status's kind and the body's hint. A verdict
 * given as an object is taken as it is; a bare kind gets the usual fields (the wait for
 * 'cool' and 'retry', the passed-on fields for 'client').
 */
export function createFailureClassifier<E extends { message: string }>(spec: ClassifierSpec<E>): (status: number, headers: Headers, text: string) => UpstreamFailure {
	return (status, headers, text) => {
		const error = spec.read(status, text);
		const base = { status, message: error.message };
		let verdict: Verdict | undefined = spec.decisive?.(status, error);
		if (verdict === undefined) {
			const byStatus = statusKind(status, spec.statuses);
			const hint = spec.hint?.(status, error);
			verdict = hint !== undefined && SEVERITY.indexOf(kindOf(hint)) <= SEVERITY.indexOf(byStatus) ? hint : byStatus;
		}
		if (typeof verdict === 'object') return { ...base, ...verdict };
		if (verdict === 'cool' || verdict === 'retry') {
			return { ...base, kind: verdict, retryAfterMs: spec.retryAfter ? spec.retryAfter(headers, error) : retryAfterMs(headers) };
		}
		if (verdict === 'client') return { ...base, kind: verdict, ...(spec.client ? spec.client(status, error, text) : UNKNOWN_CLIENT) };
		return { ...base, kind: verdict };
	};
}
