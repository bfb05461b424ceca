import { createFailureClassifier, retryAfterMs } from '../kit/classify';

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

export { retryAfterMs };

const CREDIT = /insufficient_quota|billing|credit|payment|quota exceeded|exceeded your current quota/i;

/** OpenAI-style upstreams (docs/providers/openai.md, "Errors"): the common status table, OpenAI's error fields passed on. */
export const classifyOpenAIFailure = createFailureClassifier({
	read: errorFields,
	// OpenAI answers 429 insufficient_quota when the account is out of credit: the key, not the moment.
	decisive: (status, f) => (status === 429 && (f.code === 'insufficient_quota' || f.type === 'insufficient_quota' || CREDIT.test(f.code ?? '')) ? 'bad-key' : undefined),
	client: (_status, f) => ({ code: f.code, type: f.type, param: f.param })
});
