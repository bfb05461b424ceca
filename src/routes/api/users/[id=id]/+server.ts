import { getUserEndpoint, updateUserEndpoint } from '$lib/server/api/specs/users';

export const GET = getUserEndpoint;
export const PATCH = updateUserEndpoint;
