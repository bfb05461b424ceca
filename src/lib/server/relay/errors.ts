import { codecFor } from '../doors/registry';
import type { DoorError } from '../protocol/door';
import { DoorInputError } from '../protocol/errors';
import type { Door } from '../providers/types';

/** OpenAI's error body; every /v1 error leaves in this shape (docs/protocol.md, "Error shape"). */
export interface OpenAIErrorBody {
	error: { message: string; type: string; param: string | null; code: string | null };
}

const TYPE_BY_STATUS: Record<number, string> = {
	400: 'invalid_request_error',
	401: 'invalid_request_error',
	403: 'permission_error',
	404: 'invalid_request_error',
	405: 'invalid_request_error',
	408: 'timeout_error',
	413: 'invalid_request_error',
	415: 'invalid_request_error',
	429: 'rate_limit_error',
	500: 'server_error',
	502: 'upstream_error',
	503: 'server_error',
	504: 'timeout_error'
};

export function errorTypeFor(status: number): string {
	return TYPE_BY_STATUS[status] ?? (status >= 500 ? 'server_error' : 'invalid_request_error');
}

/** A refusal or failure the relay answers with; thrown by any stage, rendered once. */
export class RelayError extends Error {
	override name = 'RelayError';
	/** Already recorded in the ledger (the relay's entry must not count it again). */
	settled = false;
	constructor(
		readonly status: number,
		message: string,
		readonly code: string | null = null,
		readonly param: string | null = null,
		readonly type: string = errorTypeFor(status),
		readonly headers: Record<string, string> = {}
	) {
		super(message);
	}

	body(): OpenAIErrorBody {
		return { error: { message: this.message, type: this.type, param: this.param, code: this.code } };
	}
}

/** The refusal as any door sees it. */
export function doorErrorOf(err: RelayError): DoorError {
	return { status: err.status, message: err.message, type: err.type, code: err.code, param: err.param };
}

/** The error in the shape of the door the client called (OpenAI's unless the door has its own). */
export function errorResponse(err: RelayError, headers: Record<string, string>, door?: Door): Response {
	const codec = door ? codecFor(door) : undefined;
	const body = codec ? codec.errorBody(doorErrorOf(err)) : err.body();
	return new Response(JSON.stringify(body), {
		status: err.status,
		headers: { 'content-type': 'application/json', ...err.headers, ...headers }
	});
}

/** The in-band error event that ends a stream whose headers already went out (no [DONE] after it). */
export function streamErrorEvent(err: RelayError): string {
	return `data: ${JSON.stringify(err.body())}\n\n`;
}

/** A body its door refuses (DoorInputError) is the client's 400, in the door's shape; any other error goes on as it was. */
export function rethrowAsClientError(err: unknown): never {
	if (err instanceof DoorInputError) throw new RelayError(400, err.message, 'invalid_request', err.param);
	throw err;
}
