import { redeemEndpoint } from '$lib/server/api/specs/billing';

export const POST = redeemEndpoint;
