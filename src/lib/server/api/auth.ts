import type { RequestEvent } from '@sveltejs/kit';
import { services } from '../app/services';
import { checkManagementToken } from '../services/management-tokens';
import type { Actor } from '../services/actor';
import { ApiError } from './errors';

/** Who may call an endpoint, from least to most privileged. */
export type Access = 'public' | 'authenticated' | 'reader' | 'admin' | 'root';

/**
 * The caller of a management API request: a bearer management token (or ELYGATE_ADMIN_TOKEN),
 * else the session. A bearer that is not valid is refused outright: it never falls back to the
 * cookie, and an API key (sk-...) is never accepted here.
 */
export async function resolveActor(event: RequestEvent): Promise<Actor> {
	const header = event.request.headers.get('authorization');
	if (header) {
		const token = /^Bearer\s+(\S+)\s*$/i.exec(header)?.[1];
		if (!token) throw new ApiError(401, 'unauthenticated', 'Send the management token as "Authorization: Bearer <token>".');
		const { db, config } = services();
		const check = await checkManagementToken(db, token, config.adminToken);
		if (!check.ok) throw new ApiError(401, 'unauthenticated', check.reason);
		return { kind: 'token', id: check.id, scope: check.scope };
	}
	const user = event.locals.user;
	if (user) return { kind: 'user', id: user.id, role: user.role };
	throw new ApiError(401, 'unauthenticated', 'Sign in, or send a management token as "Authorization: Bearer <token>".');
}

const RANK = { user: 0, read: 1, admin: 2, root: 3 } as const;

function rankOf(actor: Actor): number {
	if (actor.kind === 'system') return RANK.root;
	if (actor.kind === 'token') return RANK[actor.scope];
	return RANK[actor.role === 'user' ? 'user' : actor.role === 'admin' ? 'admin' : 'root'];
}

/** Early refusal by access level; the services check again, with the detail. */
export function assertAccess(actor: Actor, access: Access): void {
	const needed = { public: 0, authenticated: 0, reader: RANK.read, admin: RANK.admin, root: RANK.root }[access];
	if (rankOf(actor) < needed) {
		throw new ApiError(403, 'forbidden', access === 'root' ? 'Only root may do this.' : 'Administrators only.');
	}
}
