import { handleRelayRequest } from '$lib/server/relay';
import type { RequestHandler } from './$types';

// Under `vite dev` the relay runs through SvelteKit; in production the entry calls it directly.
export const fallback: RequestHandler = ({ request }) => handleRelayRequest(request);
