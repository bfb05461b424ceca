import { json } from '@sveltejs/kit';
import { checkReadiness } from '$lib/server/app/readiness';
import type { RequestHandler } from './$types';

export const GET: RequestHandler = async () => {
	const readiness = await checkReadiness();
	return readiness.ready
		? json({ status: 'ready' })
		: json({ status: 'unavailable', reason: readiness.reason }, { status: 503, headers: { 'retry-after': '5' } });
};
