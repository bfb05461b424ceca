import { importPricesEndpoint } from '$lib/server/api/specs/admin';

export const POST = importPricesEndpoint;
