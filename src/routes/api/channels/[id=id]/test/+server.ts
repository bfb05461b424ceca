import { testChannelEndpoint } from '$lib/server/api/specs/channels';

export const POST = testChannelEndpoint;
