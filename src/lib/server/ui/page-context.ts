import { error, type RequestEvent } from '@sveltejs/kit';
import { services } from '../app/services';
import { requireAdmin, requireUser } from '../auth/guards';
import { m } from '../../paraglide/messages';
import type { SessionUser } from '../auth/session';
import { relayContextIfConfigured } from '../relay/context';
import type { Actor } from '../services/actor';
import type { ServiceContext } from '../services/context';

/** Who may open a page: any signed-in user, administrators (admin or root), or root alone. */
export type PageLevel = 'user' | 'admin' | 'root';

export interface PageContext {
	user: SessionUser;
	/** The signed-in user as the actor services decide permissions from. */
	actor: Actor;
	svc: ServiceContext;
}

const channelHealth: NonNullable<ServiceContext['channelHealth']> = (id) => relayContextIfConfigured()?.health.describe(id, Date.now());

/**
 * Where every page load and action starts: the signed-in user, checked against `level` (a
 * visitor is sent to sign in, a user below the level gets a 403), and the services' context
 * with the running relay's view of channel health. Each load and action calls it itself: a
 * layout is never the only check.
 */
export function pageContext(event: Pick<RequestEvent, 'locals' | 'url'>, level: PageLevel): PageContext {
	const user = level === 'user' ? requireUser(event) : requireAdmin(event);
	if (level === 'root' && user.role !== 'root') error(403, m.error_root_page_only());
	const { db, secrets } = services();
	return { user, actor: { kind: 'user', id: user.id, role: user.role }, svc: { db, secrets, channelHealth } };
}
