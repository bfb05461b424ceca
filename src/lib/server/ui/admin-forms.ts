import { error, fail } from '@sveltejs/kit';
import { message, setError, type SuperValidated } from 'sveltekit-superforms';
import type { SessionUser } from '../auth/session';
import { services } from '../app/services';
import type { Actor } from '../services/actor';
import type { ServiceContext } from '../services/context';
import { ServiceError } from '../services/errors';

/** What a page passes to a service: the running app's database and secrets. */
export function serviceContext(): ServiceContext {
	const { db, secrets } = services();
	return { db, secrets };
}

/** The signed-in user as the actor services decide permissions from. */
export function actorOf(user: SessionUser): Actor {
	return { kind: 'user', id: user.id, role: user.role };
}

/** A ServiceError's message without the "field: " prefix the API adds (the UI shows it beside the field). */
export function plainMessage(err: ServiceError): string {
	const prefix = err.field ? `${err.field}: ` : '';
	return prefix && err.message.startsWith(prefix) ? err.message.slice(prefix.length) : err.message;
}

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
	if (target) return setError(form, target as any, plainMessage(err), { status: err.status as 400 });
	return message(form, err.message as never, { status: err.status as 400 });
}

/** For plain (non-superforms) actions such as confirmed deletes: the refusal as `fail` data. */
export function plainRefusal(err: unknown) {
	if (!(err instanceof ServiceError)) throw err;
	return fail(err.status, { error: err.message });
}

/** Root-only pages: admins reach the admin area, but not these. */
export function requireRootUser(user: SessionUser): void {
	if (user.role !== 'root') error(403, 'Only root can manage tokens and read the audit log here.');
}

