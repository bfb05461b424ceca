import { revokeTokenEndpoint } from '$lib/server/api/specs/admin';

export const DELETE = revokeTokenEndpoint;
