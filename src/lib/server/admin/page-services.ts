import type { RequestEvent } from '@sveltejs/kit';
import { setError, message, type SuperValidated } from 'sveltekit-superforms';
import { fail } from '@sveltejs/kit';
import { services } from '../app/services';
import { requireAdmin } from '../auth/guards';
import { relayContextIfConfigured } from '../relay/context';
import type { Actor } from '../services/actor';
import type { ServiceContext } from '../services/context';
import { ServiceError } from '../services/errors';

/** The signed-in administrator as a service actor, and the services' context (with live channel health). */
export function adminServices(event: Pick<RequestEvent, 'locals' | 'url'>): { actor: Actor; svc: ServiceContext; role: 'admin' | 'root' } {
	const user = requireAdmin(event);
	const { db, secrets } = services();
	const svc: ServiceContext = {
		db,
		secrets,
		channelHealth: (id) => relayContextIfConfigured()?.health.describe(id, Date.now())
	};
	return { actor: { kind: 'user', id: user.id, role: user.role }, svc, role: user.role === 'root' ? 'root' : 'admin' };
}

/**
 * A service's refusal, shown where it belongs: beside the field it names when the form has
 * that field (`fieldFor` may rename service fields to form fields), else as the form's message.
 * Anything that is not a ServiceError is rethrown.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function refusal<T extends Record<string, unknown>>(form: SuperValidated<T, any>, err: unknown, fieldFor: (field: string) => string | undefined = (f) => f) {
	if (!(err instanceof ServiceError)) throw err;
	const field = err.field ? fieldFor(err.field) : undefined;
	const text = err.field && err.message.startsWith(`${err.field}: `) ? err.message.slice(err.field.length + 2) : err.message;
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
	return fail(err.status, { error: err.message });
}
