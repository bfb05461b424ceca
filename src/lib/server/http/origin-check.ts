const UNSAFE = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

export type OriginVerdict = { allowed: true } | { allowed: false; reason: string };

/**
 * CSRF defence for cookie-authenticated requests: a state-changing request must come from
 * our own origin. Bearer-authenticated requests carry no ambient credential, so they pass:
 * /v1 (API keys, or nothing), and /api with a bearer token, where the session cookie beside
 * it is never looked at. On pages and form actions the cookie is what authenticates, so a
 * bearer header there excuses nothing.
 */
export function checkOrigin(request: Request, url: URL, trusted: readonly string[] = []): OriginVerdict {
	if (!UNSAFE.has(request.method)) return { allowed: true };
	if (url.pathname === '/v1' || url.pathname.startsWith('/v1/')) return { allowed: true };
	const api = url.pathname.startsWith('/api/');
	if (api && /^bearer\s+\S/i.test(request.headers.get('authorization') ?? '')) return { allowed: true };
	const origin = request.headers.get('origin');
	if (origin === null) return { allowed: false, reason: 'The request has no Origin header' };
	if (origin === url.origin || trusted.includes(origin)) return { allowed: true };
	return { allowed: false, reason: `Cross-site ${request.method} from ${origin} refused` };
}
