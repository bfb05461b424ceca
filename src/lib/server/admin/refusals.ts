import { fail } from '@sveltejs/kit';
import { setError, message, type SuperValidated } from 'sveltekit-superforms';
import { ServiceError } from '../services/errors';

/**
 * A service's refusal, shown where it belongs: beside the field it names when the form has
 * that field (`fieldFor` may rename service fields to form fields), else as the form's message.
 * Anything that is not a ServiceError is rethrown.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function refusal<T extends Record<string, unknown>>(form: SuperValidated<T, any>, err: unknown, fieldFor: (field: string) => string | undefined = (f) => f) {
	if (!(err instanceof ServiceError)) throw err;
	const field = err.field ? fieldFor(err.field) : undefined;
	const text = err.localizedDetail();
	if (field && field in form.data) {
		// eslint-disable-next-line @typescript-eslint/no-explicit-any
		return setError(form, field as any, capitalise(text), { status: err.status as 400 });
	}
	return message(form, capitalise(text), { status: err.status as 400 });
}

function capitalise(text: string): string {
	return text.charAt(0).toUpperCase() + text.slice(1);
}

/** For plain (button-only) actions: a ServiceError as a failure the page can show. */
export function failure(err: unknown) {
	if (!(err instanceof ServiceError)) throw err;
	return fail(err.status, { error: err.localizedMessage() });
}
