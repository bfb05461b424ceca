import { stripeWebhookEndpoint } from '$lib/server/api/specs/payments';

// Stripe sends no session cookie, so the origin check passes it like any cookieless /api call.
export const POST = stripeWebhookEndpoint;
