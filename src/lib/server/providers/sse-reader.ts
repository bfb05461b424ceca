export { parseJsonObject } from '../protocol/json';

/** The message of an `{"error": ...}` body: a string, or an object's `message`. */
export function errorMessageOf(value: Record<string, unknown>): string | undefined {
	const error = value.error;
	if (typeof error === 'string') return error;
	if (error !== null && typeof error === 'object') {
		const message = (error as Record<string, unknown>).message;
		if (typeof message === 'string') return message;
		return 'The upstream reported an error';
	}
	return undefined;
}
