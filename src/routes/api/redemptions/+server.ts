import { createRedemptionsEndpoint, listRedemptionsEndpoint } from '$lib/server/api/specs/billing';

export const GET = listRedemptionsEndpoint;
export const POST = createRedemptionsEndpoint;
