import type * as z from 'zod';
import type { Locale } from '../../paraglide/runtime';

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
 * Text in every console language: a catalogue message bound to its inputs. Called without a
 * locale it speaks the page's language; the API always asks for English (docs/i18n.md).
 */
export type Localized = (options?: { locale?: Locale }) => string;

/** Binds a catalogue message to its inputs: `say(m.key_not_found, { id })`. */
export function say<I>(message: (inputs: I, options?: { locale?: Locale }) => string, inputs: I): Localized {
	return (options) => message(inputs, options);
}

const inEnglish = (text: string | Localized) => (typeof text === 'string' ? text : text({ locale: 'en' }));
const inPageLanguage = (text: string | Localized) => (typeof text === 'string' ? text : text());

/**
 * A refusal the caller can show as is: the API sends `message` (English) as JSON, a page shows
 * `localizedMessage()`, or `localizedDetail()` beside `field` (the message without the
 * "field: " the API puts first, see `fieldError`).
 */
export class ServiceError extends Error {
	override name = 'ServiceError';
	readonly status: number;
	readonly detail: string;
	readonly #text: string | Localized;
	readonly #detailText: string | Localized;

	constructor(
		readonly code: ServiceErrorCode,
		message: string | Localized,
		readonly field?: string,
		detail?: string | Localized
	) {
		super(inEnglish(message));
		this.status = STATUS[code];
		this.#text = message;
		this.#detailText = detail ?? message;
		this.detail = inEnglish(this.#detailText);
	}

	localizedMessage(): string {
		return inPageLanguage(this.#text);
	}

	localizedDetail(): string {
		return inPageLanguage(this.#detailText);
	}
}

/** A refusal of one input field: the API reads "field: detail", a form shows `detail` beside the field. */
export function fieldError(code: ServiceErrorCode, field: string, detail: string | Localized): ServiceError {
	const message = typeof detail === 'string' ? `${field}: ${detail}` : (o?: { locale?: Locale }) => `${field}: ${detail(o)}`;
	return new ServiceError(code, message, field, detail);
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
		message: string | Localized,
		readonly retryAfterMs: number
	) {
		super('rate_limited', message);
	}
}

export const notFound = (what: string) => new ServiceError('not_found', `${what} not found`);
