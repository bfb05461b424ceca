import { getOptionsEndpoint, patchOptionsEndpoint } from '$lib/server/api/specs/admin';

export const GET = getOptionsEndpoint;
export const PATCH = patchOptionsEndpoint;
