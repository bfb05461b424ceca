import { adjustBalanceEndpoint } from '$lib/server/api/specs/billing';

export const POST = adjustBalanceEndpoint;
