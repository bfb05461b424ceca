import { checkChannelBalanceEndpoint } from '$lib/server/api/specs/channels';

export const POST = checkChannelBalanceEndpoint;
