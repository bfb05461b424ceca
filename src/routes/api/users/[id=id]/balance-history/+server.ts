import { userBalanceHistoryEndpoint } from '$lib/server/api/specs/billing';

export const GET = userBalanceHistoryEndpoint;
