import { deleteGroupEndpoint } from '$lib/server/api/specs/admin';

export const DELETE = deleteGroupEndpoint;
