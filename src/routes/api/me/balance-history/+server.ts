import { myBalanceHistoryEndpoint } from '$lib/server/api/specs/billing';

export const GET = myBalanceHistoryEndpoint;
