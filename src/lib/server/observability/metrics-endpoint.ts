import { sameDigest, hashToken } from '../auth/token-format';
import { registry } from './metrics';
import { fastMetrics } from './relay-metrics';

/**
 * Prometheus scrape, closed by default: it needs METRICS_TOKEN set and sent as a bearer token
 * (metrics reveal traffic, models and channels).
 */
export async function metricsResponse(request: Request, token: string | undefined): Promise<Response> {
	const presented = /^Bearer\s+(\S+)$/i.exec(request.headers.get('authorization') ?? '')?.[1];
	if (!token || !presented || !sameDigest(hashToken(presented), hashToken(token))) {
		const message = token ? 'Unauthorized\n' : 'Metrics are off: set METRICS_TOKEN and scrape with it as a bearer token.\n';
		return new Response(message, { status: 401, headers: { 'www-authenticate': 'Bearer' } });
	}
	const text = (await registry.metrics()) + fastMetrics.map((m) => m.render()).join('');
	return new Response(text, { headers: { 'content-type': registry.contentType } });
}
