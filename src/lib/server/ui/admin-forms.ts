import { fail } from '@sveltejs/kit';
import { message, setError, type SuperValidated } from 'sveltekit-superforms';
import type { Notice } from '../../components/admin-settings/notice';
import { ServiceError } from '../services/errors';

type AnyForm = SuperValidated<Record<string, unknown>, any, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/**
 * Turns a service refusal into what the form shows: beside the field it names (through
 * `fields`, service field -> form field, or the same name when the form has it), else as the
 * form's message. Anything that is not a ServiceError is a bug and goes on up.
 */
export function refusal<F extends AnyForm>(form: F, err: unknown, fields: Record<string, string> = {}) {
	if (!(err instanceof ServiceError)) throw err;
	const target = err.field ? (fields[err.field] ?? (err.field in form.data ? err.field : undefined)) : undefined;
	// eslint-disable-next-line @typescript-eslint/no-explicit-any
	if (target) return setError(form, target as any, err.localizedDetail(), { status: err.status as 400 });
	// Admin pages render their message as a Notice, so a refusal is one too (a bare string showed as an empty alert).
	return message(form, { kind: 'error', text: err.localizedMessage() } satisfies Notice as never, { status: err.status as 400 });
}

/** For plain (non-superforms) actions such as confirmed deletes: the refusal as `fail` data. */
export function plainRefusal(err: unknown) {
	if (!(err instanceof ServiceError)) throw err;
	return fail(err.status, { error: err.localizedMessage() });
}

