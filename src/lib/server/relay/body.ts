import { exceedsJsonDepth, jsonTooDeepMessage } from '../http/json-depth';
import { RelayError } from './errors';

export interface JsonBody {
	raw: string;
	json: Record<string, unknown>;
}

export interface BodyRules {
	/** Largest body read; below the server's own, so oversize bodies get an OpenAI-shaped 413. */
	limit: number;
	/** The whole body must have arrived this long after it started to be read, else 408. */
	deadlineMs: number;
}

/**
 * Reads the request body under the relay's own size and time limits and parses it as a JSON
 * object. The deadline keeps a key holder who sends a byte now and then from holding a
 * connection (and its reservation-free wait) for as long as they like.
 */
export async function readJsonBody(request: Request, { limit, deadlineMs }: BodyRules): Promise<JsonBody> {
	const declared = Number(request.headers.get('content-length') ?? NaN);
	if (declared > limit) throw tooLarge(limit);
	// Chunked uploads declare no length: measure what actually arrived. A string's UTF-8 size
	// is at least its length and at most three times it, so most bodies need no byte count.
	const raw = await withinDeadline(request.text(), deadlineMs);
	if (raw.length > limit || (raw.length * 3 > limit && Buffer.byteLength(raw) > limit)) throw tooLarge(limit);
	if (!raw.trim()) throw new RelayError(400, 'The request body is empty; send a JSON object.', null);
	let json: unknown;
	try {
		json = JSON.parse(raw);
	} catch {
		throw new RelayError(400, 'The request body is not valid JSON.', 'invalid_json');
	}
	if (json === null || typeof json !== 'object' || Array.isArray(json)) {
		throw new RelayError(400, 'The request body must be a JSON object.', 'invalid_json');
	}
	if (exceedsJsonDepth(json)) throw new RelayError(400, jsonTooDeepMessage(), 'json_too_deep');
	return { raw, json: json as Record<string, unknown> };
}

async function withinDeadline(body: Promise<string>, ms: number): Promise<string> {
	let timer: ReturnType<typeof setTimeout> | undefined;
	const late = new Promise<never>((_, reject) => {
		timer = setTimeout(
			() =>
				reject(new RelayError(408, `The request body did not arrive within ${ms / 1000} s.`, 'request_timeout', null, 'invalid_request_error', { connection: 'close' })),
			ms
		);
	});
	try {
		return await Promise.race([body, late]);
	} finally {
		clearTimeout(timer);
	}
}

function tooLarge(limit: number): RelayError {
	return new RelayError(413, `The request body is larger than the ${formatBytes(limit)} this gateway accepts.`, 'request_too_large');
}

export function formatBytes(n: number): string {
	if (n >= 1 << 20 && n % (1 << 20) === 0) return `${n / (1 << 20)} MiB`;
	if (n >= 1 << 10 && n % (1 << 10) === 0) return `${n / (1 << 10)} KiB`;
	return `${n} bytes`;
}

/** `model`, which every call door requires. */
export function requireModel(body: Record<string, unknown>): string {
	const model = body.model;
	if (typeof model !== 'string' || !model.trim()) {
		throw new RelayError(400, 'You must provide a model parameter.', 'missing_model', 'model');
	}
	return model;
}
