import { createChannelEndpoint, listChannelsEndpoint } from '$lib/server/api/specs/channels';

export const GET = listChannelsEndpoint;
export const POST = createChannelEndpoint;
