import { deleteChannelEndpoint, getChannelEndpoint, updateChannelEndpoint } from '$lib/server/api/specs/channels';

export const GET = getChannelEndpoint;
export const PATCH = updateChannelEndpoint;
export const DELETE = deleteChannelEndpoint;
