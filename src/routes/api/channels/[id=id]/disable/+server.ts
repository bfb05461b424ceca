import { disableChannelEndpoint } from '$lib/server/api/specs/channels';

export const POST = disableChannelEndpoint;
