import { listPricesEndpoint, upsertPriceEndpoint } from '$lib/server/api/specs/admin';

export const GET = listPricesEndpoint;
export const POST = upsertPriceEndpoint;
