import { listDeadLettersEndpoint } from '$lib/server/api/specs/admin';

export const GET = listDeadLettersEndpoint;
