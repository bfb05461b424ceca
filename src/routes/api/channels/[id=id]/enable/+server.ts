import { enableChannelEndpoint } from '$lib/server/api/specs/channels';

export const POST = enableChannelEndpoint;
