import type { SessionUser } from '../auth/session';
import type { Actor } from '../services/actor';

/** The signed-in user as the services' actor. */
export function userActor(user: SessionUser): Actor {
	return { kind: 'user', id: user.id, role: user.role };
}
