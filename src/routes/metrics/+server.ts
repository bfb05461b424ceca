import { services } from '$lib/server/app/services';
import { metricsResponse } from '$lib/server/observability/metrics-endpoint';
import type { RequestHandler } from './$types';

export const GET: RequestHandler = ({ request }) => metricsResponse(request, services().config.metricsToken);
