import { json } from '@sveltejs/kit';
import { ELYGATE_VERSION } from '$lib/version';
import type { RequestHandler } from './$types';

/** Liveness: the process answers. Readiness (database, migrations) is /api/ready. */
export const GET: RequestHandler = () => json({ status: 'ok', version: ELYGATE_VERSION });
