import { testAllChannelsEndpoint } from '$lib/server/api/specs/channels';

export const POST = testAllChannelsEndpoint;
