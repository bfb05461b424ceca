import type { RequestEvent } from '@sveltejs/kit';
import { handleRelayRequest } from '.';

/** The /v1 routes' handler under SvelteKit (vite dev, or the adapter's own server). */
export function relayFromKit(event: RequestEvent): Promise<Response> {
	const platform = event.platform;
	return handleRelayRequest(event.request, {
		address: platform ? platform.server.requestIP(platform.request)?.address : event.getClientAddress(),
		server: platform?.server
	});
}
