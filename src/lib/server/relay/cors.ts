/** CORS for browser clients of /v1. API keys are not ambient credentials, so no cookies are involved. */
export function corsHeaders(origin: string | null, allowed: readonly string[]): Record<string, string> {
	if (!origin) return {};
	if (!allowed.includes('*') && !allowed.includes(origin)) return {};
	return {
		'access-control-allow-origin': allowed.includes('*') ? '*' : origin,
		'access-control-expose-headers': 'x-request-id, x-client-request-id, retry-after, x-should-retry',
		...(allowed.includes('*') ? {} : { vary: 'origin' })
	};
}

export function preflight(request: Request, allowed: readonly string[]): Response {
	const origin = request.headers.get('origin');
	const base = corsHeaders(origin, allowed);
	if (!base['access-control-allow-origin']) return new Response(null, { status: 403 });
	return new Response(null, {
		status: 204,
		headers: {
			...base,
			'access-control-allow-methods': 'GET, POST, OPTIONS',
			'access-control-allow-headers':
				request.headers.get('access-control-request-headers') ?? 'authorization, content-type, x-api-key, api-key, x-request-id',
			'access-control-max-age': '86400'
		}
	});
}
