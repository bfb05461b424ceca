import { batchChannelsEndpoint } from '$lib/server/api/specs/channels';

export const POST = batchChannelsEndpoint;
