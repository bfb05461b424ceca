import { healthEndpoint } from '$lib/server/api/specs/system';

export const GET = healthEndpoint;
