import { createTokenEndpoint, listTokensEndpoint } from '$lib/server/api/specs/admin';

export const GET = listTokensEndpoint;
export const POST = createTokenEndpoint;
