import { meEndpoint } from '$lib/server/api/specs/system';

export const GET = meEndpoint;
