import { apiErrorResponse } from '$lib/server/api/errors';
import type { RequestHandler } from './$types';

/** Unknown /api paths answer in the API's own error shape, not with an HTML page. */
export const fallback: RequestHandler = ({ request, url }) =>
	apiErrorResponse(404, 'not_found', `No such endpoint: ${request.method} ${url.pathname}`);
