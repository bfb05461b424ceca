import { error, redirect, type RequestEvent } from '@sveltejs/kit';
import { m } from '../../paraglide/messages';
import type { SessionUser } from './session';

/** Every load and action calls one of these itself: a layout is never the only check. */
export function requireUser(event: Pick<RequestEvent, 'locals' | 'url'>): SessionUser {
	const user = event.locals.user;
	if (!user) redirect(303, loginUrl(event.url));
	return user;
}

export function requireAdmin(event: Pick<RequestEvent, 'locals' | 'url'>): SessionUser {
	const user = requireUser(event);
	if (!isAdmin(user)) error(403, m.error_admin_only());
	return user;
}

export function isAdmin(user: Pick<SessionUser, 'role'> | null): boolean {
	return user?.role === 'admin' || user?.role === 'root';
}

export function loginUrl(from: URL): string {
	const next = from.pathname + from.search;
	return next === '/' ? '/login' : `/login?next=${encodeURIComponent(next)}`;
}

const SELF = 'http://self.invalid';

/**
 * Only paths on this site. Browsers read "//evil.example" and "/\evil" as other hosts, and drop
 * tabs and newlines inside a URL first ("/\t/evil.example" is "//evil.example" to them), so
 * control characters and backslashes are refused outright, and what is left is resolved as a
 * URL would be and must stay on this origin as a path that starts with a single slash.
 */
export function safeNext(next: string | null): string {
	if (!next || !next.startsWith('/') || /[\u0000-\u001f\u007f\\]/.test(next)) return '/';
	let url: URL;
	try {
		url = new URL(next, SELF);
	} catch {
		return '/';
	}
	const path = url.pathname + url.search + url.hash;
	return url.origin === SELF && !path.startsWith('//') ? path : '/';
}
