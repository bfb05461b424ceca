import { applyDefaultPricesEndpoint } from '$lib/server/api/specs/admin';

export const POST = applyDefaultPricesEndpoint;
