import { type Handle, type HandleServerError, type ServerInit, error, redirect } from '@sveltejs/kit';
import { sequence } from '@sveltejs/kit/hooks';
import { startApp } from '$lib/server/app/lifecycle';
import { currentPhase } from '$lib/server/app/phase';
import { services } from '$lib/server/app/services';
import { isAdmin, loginUrl } from '$lib/server/auth/guards';
import { SESSION_COOKIE } from '$lib/server/auth/session';
import { clientIp } from '$lib/server/http/client-ip';
import { checkOrigin } from '$lib/server/http/origin-check';
import { newRequestId } from '$lib/server/http/request-id';
import { SECURITY_HEADERS } from '$lib/server/http/security-headers';
import { localeAndTheme } from '$lib/server/i18n/handle';
import { localizeZod } from '$lib/i18n/zod';
import { m } from '$lib/paraglide/messages';
import { deleteSessionCookie, setSessionCookie } from '$lib/server/http/session-cookie';
import { logger, serializeError } from '$lib/server/observability/logger';
import { validateSessionToken } from '$lib/server/services/sessions';

export const init: ServerInit = startApp;
localizeZod();

/** Paths a visitor may open without a session. */
const PUBLIC = [/^\/login$/, /^\/theme$/, /^\/locale$/, /^\/register$/, /^\/setup$/, /^\/metrics$/, /^\/v1(\/|$)/];
const SESSIONLESS = [/^\/api\/(health|ready)$/, /^\/metrics$/, /^\/v1(\/|$)/];

/** While draining, only the health and readiness probes are answered (readiness says 503). */
const draining: Handle = async ({ event, resolve }) => {
	if (currentPhase() === 'stopping' && !/^\/api\/(health|ready)$/.test(event.url.pathname)) {
		return new Response('Elygate is shutting down.', { status: 503, headers: { 'retry-after': '1', connection: 'close', 'content-type': 'text/plain; charset=utf-8' } });
	}
	return resolve(event);
};

const requestContext: Handle = async ({ event, resolve }) => {
	event.locals.requestId = newRequestId();
	const socket = event.platform ? event.platform.server.requestIP(event.platform.request)?.address : event.getClientAddress();
	event.locals.clientIp = clientIp(event.request.headers, socket, services().config.trustedProxy);
	event.locals.user = null;
	event.locals.session = null;
	const response = await resolve(event);
	response.headers.set('x-request-id', event.locals.requestId);
	for (const [name, value] of Object.entries(SECURITY_HEADERS)) response.headers.set(name, value);
	return response;
};

const originCheck: Handle = async ({ event, resolve }) => {
	// An API call that carries no session cookie has no ambient credential to abuse: nothing
	// to forge. Pages stay checked either way (a forged sign-in or sign-up is an attack too).
	if (event.url.pathname.startsWith('/api/') && !event.cookies.get(SESSION_COOKIE)) return resolve(event);
	const verdict = checkOrigin(event.request, event.url);
	if (!verdict.allowed) {
		logger().warn({ path: event.url.pathname, reason: verdict.reason, ip: event.locals.clientIp }, 'cross-site request refused');
		const message = m.error_cross_site();
		return event.url.pathname.startsWith('/api/')
			? Response.json({ error: { message, code: 'cross_site_request' } }, { status: 403 })
			: new Response(message, { status: 403, headers: { 'content-type': 'text/plain; charset=utf-8' } });
	}
	return resolve(event);
};

const session: Handle = async ({ event, resolve }) => {
	const path = event.url.pathname;
	const token = event.cookies.get(SESSION_COOKIE);
	if (!token || SESSIONLESS.some((p) => p.test(path))) return resolve(event);
	// A bearer-authenticated API call is judged by its token alone, never by a cookie beside it.
	if (path.startsWith('/api/') && event.request.headers.has('authorization')) return resolve(event);
	const result = await validateSessionToken(services().db, token);
	if (result.session) {
		setSessionCookie(event.cookies, token, result.session.expiresAt, event.url);
		event.locals.user = result.user;
		event.locals.session = result.session;
	} else {
		deleteSessionCookie(event.cookies, event.url);
	}
	return resolve(event);
};

/**
 * Coarse gate for pages by path; every load and action still re-checks with the guards. The
 * management API authenticates each endpoint itself (session or bearer token).
 */
const accessGate: Handle = async ({ event, resolve }) => {
	const path = event.url.pathname;
	if (path.startsWith('/api/') || PUBLIC.some((p) => p.test(path))) return resolve(event);
	if (!event.locals.user) redirect(303, loginUrl(event.url));
	if ((path === '/admin' || path.startsWith('/admin/')) && !isAdmin(event.locals.user)) {
		error(403, m.error_admin_only());
	}
	return resolve(event);
};

export const handle = sequence(draining, requestContext, localeAndTheme, originCheck, session, accessGate);

export const handleError: HandleServerError = ({ error: err, event, status }) => {
	if (status !== 404) logger().error({ err: serializeError(err), path: event.url.pathname, requestId: event.locals.requestId }, 'unhandled error');
	return {
		message: status === 404 ? m.error_not_found() : m.error_internal(),
		requestId: event.locals.requestId
	};
};
