import { createUserEndpoint, listUsersEndpoint } from '$lib/server/api/specs/users';

export const GET = listUsersEndpoint;
export const POST = createUserEndpoint;
