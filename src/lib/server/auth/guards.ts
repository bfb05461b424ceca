import { error, redirect, type RequestEvent } from '@sveltejs/kit';
import type { SessionUser } from './session';

/** Every load and action calls one of these itself: a layout is never the only check. */
export function requireUser(event: Pick<RequestEvent, 'locals' | 'url'>): SessionUser {
	const user = event.locals.user;
	if (!user) redirect(303, loginUrl(event.url));
	return user;
}

export function requireAdmin(event: Pick<RequestEvent, 'locals' | 'url'>): SessionUser {
	const user = requireUser(event);
	if (!isAdmin(user)) error(403, 'This page is for administrators.');
	return user;
}

export function isAdmin(user: Pick<SessionUser, 'role'> | null): boolean {
	return user?.role === 'admin' || user?.role === 'root';
}

export function loginUrl(from: URL): string {
	const next = from.pathname + from.search;
	return next === '/' ? '/login' : `/login?next=${encodeURIComponent(next)}`;
}

/** Only same-site paths: "//evil.example" and "/\evil" would leave the site. */
export function safeNext(next: string | null): string {
	return next && next.startsWith('/') && !next.startsWith('//') && !next.startsWith('/\\') ? next : '/';
}
