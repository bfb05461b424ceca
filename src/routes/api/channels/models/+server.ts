import { listUpstreamModelsEndpoint } from '$lib/server/api/specs/channels';

export const POST = listUpstreamModelsEndpoint;
