import { disableRedemptionEndpoint } from '$lib/server/api/specs/billing';

export const POST = disableRedemptionEndpoint;
