import { listGroupsEndpoint, upsertGroupEndpoint } from '$lib/server/api/specs/admin';

export const GET = listGroupsEndpoint;
export const POST = upsertGroupEndpoint;
