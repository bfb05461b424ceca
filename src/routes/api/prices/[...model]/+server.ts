import { deletePriceEndpoint } from '$lib/server/api/specs/admin';

export const DELETE = deletePriceEndpoint;
