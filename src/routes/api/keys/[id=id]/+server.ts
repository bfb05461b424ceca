import { deleteKeyEndpoint, getKeyEndpoint, updateKeyEndpoint } from '$lib/server/api/specs/keys';

export const GET = getKeyEndpoint;
export const PATCH = updateKeyEndpoint;
export const DELETE = deleteKeyEndpoint;
