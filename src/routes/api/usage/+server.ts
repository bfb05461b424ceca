import { getUsageEndpoint } from '$lib/server/api/specs/reports';

export const GET = getUsageEndpoint;
