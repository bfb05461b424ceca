import { checkoutEndpoint } from '$lib/server/api/specs/payments';

export const POST = checkoutEndpoint;
