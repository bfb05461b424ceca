import type { UserRole } from '../db/schema';
import { m } from '../../paraglide/messages';
import { ServiceError, say } from './errors';

/**
 * Who is asking. Services decide permissions from this alone, so the management API,
 * the UI and the CLI get the same answers.
 */
export type Actor =
	| { kind: 'user'; id: number; role: UserRole }
	| { kind: 'token'; id: number | null; scope: 'root' | 'admin' | 'read' }
	| { kind: 'system' };

export const SYSTEM: Actor = { kind: 'system' };

type Level = 'read' | 'admin' | 'root';
const RANK: Record<Level, number> = { read: 1, admin: 2, root: 3 };

function levelOf(actor: Actor): Level | 'user' {
	if (actor.kind === 'system') return 'root';
	if (actor.kind === 'token') return actor.scope;
	return actor.role === 'user' ? 'user' : actor.role;
}

export function canRead(actor: Actor): boolean {
	const level = levelOf(actor);
	return level !== 'user';
}

export function requireLevel(actor: Actor, needed: Level): void {
	const level = levelOf(actor);
	if (level === 'user' || RANK[level] < RANK[needed]) {
		throw new ServiceError('forbidden', needed === 'root' ? say(m.error_root_action_only, {}) : say(m.error_admin_action_only, {}));
	}
}

export const requireAdmin = (actor: Actor) => requireLevel(actor, 'admin');
export const requireRoot = (actor: Actor) => requireLevel(actor, 'root');
export const requireReader = (actor: Actor) => requireLevel(actor, 'read');

/** The user id an actor acts as, for owning things (keys); null for tokens and the system. */
export function actingUserId(actor: Actor): number | null {
	return actor.kind === 'user' ? actor.id : null;
}

/** For audit rows. */
export function actorFields(actor: Actor): { actorId: number | null; actorKind: string } {
	if (actor.kind === 'user') return { actorId: actor.id, actorKind: 'user' };
	if (actor.kind === 'token') return { actorId: actor.id, actorKind: 'token' };
	return { actorId: null, actorKind: 'system' };
}
