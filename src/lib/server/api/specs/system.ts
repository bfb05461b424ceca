import * as z from 'zod';
import { ELYGATE_VERSION } from '../../../version';
import { checkReadiness } from '../../app/readiness';
import { services } from '../../app/services';
import { users } from '../../db/schema';
import { eq } from 'drizzle-orm';
import { endpoint } from '../endpoint';
import { actorView } from '../views';
import { ApiError } from '../errors';

export const healthEndpoint = endpoint({
	method: 'GET',
	path: '/api/health',
	summary: 'Liveness: the process answers (readiness is /api/ready)',
	tag: 'System',
	access: 'public',
	response: z.object({ status: z.literal('ok'), version: z.string() }).meta({ id: 'Health' }),
	handle: async () => ({ status: 'ok' as const, version: ELYGATE_VERSION })
});

export const readyEndpoint = endpoint({
	method: 'GET',
	path: '/api/ready',
	summary: 'Readiness: started, not shutting down, database answering, migrations applied (503 otherwise)',
	tag: 'System',
	access: 'public',
	response: z.object({ status: z.literal('ready') }).meta({ id: 'Ready' }),
	handle: async () => {
		const readiness = await checkReadiness();
		if (!readiness.ready) throw new ApiError(503, 'unavailable', readiness.reason);
		return { status: 'ready' as const };
	}
});

export const meEndpoint = endpoint({
	method: 'GET',
	path: '/api/me',
	summary: 'Who the caller is (a signed-in user or a management token)',
	tag: 'System',
	access: 'authenticated',
	response: actorView,
	handle: async ({ actor }) => {
		if (actor.kind === 'token') return { kind: 'token' as const, id: actor.id, scope: actor.scope };
		if (actor.kind !== 'user') throw new ApiError(401, 'unauthenticated', 'Unknown caller.');
		const [row] = await services().db.select({ username: users.username }).from(users).where(eq(users.id, actor.id));
		return { kind: 'user' as const, id: actor.id, role: actor.role, username: row?.username };
	}
});
