import { runRetentionEndpoint } from '$lib/server/api/specs/reports';

export const POST = runRetentionEndpoint;
