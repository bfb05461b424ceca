import { readyEndpoint } from '$lib/server/api/specs/system';

export const GET = readyEndpoint;
