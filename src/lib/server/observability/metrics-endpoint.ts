import { sameDigest, hashToken } from '../auth/tokens';
import { registry } from './metrics';

const LOOPBACK = /^(127\.|::1$|::ffff:127\.)/;

/**
 * Prometheus scrape: with METRICS_TOKEN set, a matching bearer token is required; without
 * it, only scrapes from this machine are answered.
 */
export async function metricsResponse(request: Request, clientIp: string, token: string | undefined): Promise<Response> {
	if (token) {
		const presented = /^Bearer\s+(\S+)$/i.exec(request.headers.get('authorization') ?? '')?.[1] ?? '';
		if (!sameDigest(hashToken(presented), hashToken(token))) {
			return new Response('Unauthorized\n', { status: 401, headers: { 'www-authenticate': 'Bearer' } });
		}
	} else if (!LOOPBACK.test(clientIp)) {
		return new Response('Set METRICS_TOKEN to scrape metrics from another host.\n', { status: 403 });
	}
	return new Response(await registry.metrics(), { headers: { 'content-type': registry.contentType } });
}
