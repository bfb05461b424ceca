import { testDraftChannelEndpoint } from '$lib/server/api/specs/channels';

export const POST = testDraftChannelEndpoint;
