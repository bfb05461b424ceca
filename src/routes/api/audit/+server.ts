import { listAuditEndpoint } from '$lib/server/api/specs/admin';

export const GET = listAuditEndpoint;
