import { createKeyEndpoint, listKeysEndpoint } from '$lib/server/api/specs/keys';

export const GET = listKeysEndpoint;
export const POST = createKeyEndpoint;
