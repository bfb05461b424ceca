import type * as z from 'zod';

export type ServiceErrorCode =
	| 'invalid_request'
	| 'forbidden'
	| 'not_found'
	| 'conflict'
	| 'unauthenticated'
	| 'rate_limited'
	| 'code_invalid'
	| 'code_used'
	| 'code_expired'
	| 'code_disabled';

const STATUS: Record<ServiceErrorCode, number> = {
	invalid_request: 400,
	unauthenticated: 401,
	forbidden: 403,
	not_found: 404,
	conflict: 409,
	rate_limited: 429,
	code_invalid: 400,
	code_used: 409,
	code_expired: 400,
	code_disabled: 400
};

/**
 * A refusal the caller can show as is: the API sends `message` as JSON, a form shows `detail`
 * beside `field` (the message without the "field: " the API puts first, see `fieldError`).
 */
export class ServiceError extends Error {
	override name = 'ServiceError';
	readonly status: number;
	readonly detail: string;

	constructor(
		readonly code: ServiceErrorCode,
		message: string,
		readonly field?: string,
		detail?: string
	) {
		super(message);
		this.status = STATUS[code];
		this.detail = detail ?? message;
	}
}

/** A refusal of one input field: the API reads "field: detail", a form shows `detail` beside the field. */
export function fieldError(code: ServiceErrorCode, field: string, detail: string): ServiceError {
	return new ServiceError(code, `${field}: ${detail}`, field, detail);
}

/** Parses service input, turning the first zod issue into a ServiceError naming its field. */
export function parseInput<S extends z.ZodType>(schema: S, input: unknown): z.output<S> {
	const result = schema.safeParse(input);
	if (result.success) return result.data;
	const issue = result.error.issues[0];
	const field = issuePath(issue);
	throw field ? fieldError('invalid_request', field, `${issue?.message}`) : new ServiceError('invalid_request', issue?.message ?? 'Invalid input');
}

/** Where a zod issue points ("a.b"); an unknown key is named itself ("config.typo"), not its object. */
export function issuePath(issue: z.core.$ZodIssue | undefined, prefix: readonly string[] = []): string {
	const path = [...prefix, ...(issue?.path ?? []).map(String)];
	if (issue?.code === 'unrecognized_keys' && issue.keys[0] !== undefined) path.push(issue.keys[0]);
	return path.join('.');
}

/** Too many failed attempts; the caller may try again after `retryAfterMs`. */
export class RateLimitedError extends ServiceError {
	constructor(
		message: string,
		readonly retryAfterMs: number
	) {
		super('rate_limited', message);
	}
}

export const notFound = (what: string) => new ServiceError('not_found', `${what} not found`);
