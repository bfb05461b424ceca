import { pgErrorOf } from '../db/errors';
import { logger } from '../observability/logger';
import { RateLimitedError, ServiceError } from '../services/errors';

/** The management API's error body. */
export interface ApiErrorBody {
	error: { message: string; code: string; field?: string };
}

export class ApiError extends Error {
	override name = 'ApiError';
	constructor(
		readonly status: number,
		readonly code: string,
		message: string,
		readonly field?: string
	) {
		super(message);
	}
}

export function apiErrorResponse(status: number, code: string, message: string, field?: string, headers: HeadersInit = {}): Response {
	const body: ApiErrorBody = { error: field ? { message, code, field } : { message, code } };
	return Response.json(body, { status, headers });
}

/** Every failure leaves in the same shape; unexpected ones are logged and not explained. */
export function toErrorResponse(err: unknown, requestId: string): Response {
	if (err instanceof ApiError) return apiErrorResponse(err.status, err.code, err.message, err.field);
	if (err instanceof RateLimitedError) {
		const seconds = Math.max(1, Math.ceil(err.retryAfterMs / 1000));
		return apiErrorResponse(err.status, err.code, err.message, err.field, { 'retry-after': String(seconds) });
	}
	if (err instanceof ServiceError) return apiErrorResponse(err.status, err.code, err.message, err.field);
	if (pgErrorOf(err)?.code === '23505') return apiErrorResponse(409, 'conflict', 'That already exists.');
	logger().error({ err, requestId }, 'management API failure');
	return apiErrorResponse(500, 'internal_error', 'Something went wrong on our side.');
}
