import { relayFromKit } from '$lib/server/relay/kit';
import type { RequestHandler } from './$types';

// The production entry sends /v1 straight to the relay; this route serves vite dev.
export const fallback: RequestHandler = relayFromKit;
