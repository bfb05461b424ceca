import { listPaymentsEndpoint } from '$lib/server/api/specs/payments';

export const GET = listPaymentsEndpoint;
