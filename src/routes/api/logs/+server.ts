import { listLogsEndpoint } from '$lib/server/api/specs/reports';

export const GET = listLogsEndpoint;
