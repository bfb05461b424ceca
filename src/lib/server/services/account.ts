import { and, desc, eq, gt, isNull, ne } from 'drizzle-orm';
import { passwordChange } from '../../schemas/account';
import { hashPassword, verifyPassword } from '../auth/password';
import { sessions, users } from '../db/schema';
import { actingUserId, type Actor } from './actor';
import type { ServiceContext } from './context';
import { m } from '../../paraglide/messages';
import { ServiceError, notFound, parseInput, say } from './errors';
import { invalidateUserSessions } from './sessions';

function ownId(actor: Actor): number {
	const id = actingUserId(actor);
	if (id === null) throw new ServiceError('forbidden', 'Only a signed-in user has a password and sessions.');
	return id;
}

/**
 * Sets a new password once the current one is confirmed, and ends every other session of the
 * account (the one making the change, `keepSessionId`, stays signed in).
 */
export async function changePassword(ctx: ServiceContext, actor: Actor, input: unknown, keepSessionId: string): Promise<void> {
	const userId = ownId(actor);
	const data = parseInput(passwordChange, input);
	const [user] = await ctx.db
		.select({ passwordHash: users.passwordHash })
		.from(users)
		.where(and(eq(users.id, userId), isNull(users.deletedAt)));
	if (!user) throw notFound('User');
	if (!(await verifyPassword(data.currentPassword, user.passwordHash))) {
		throw new ServiceError('invalid_request', say(m.account_wrong_password, {}), 'currentPassword');
	}
	if (data.currentPassword === data.newPassword) {
		throw new ServiceError('invalid_request', say(m.account_same_password, {}), 'newPassword');
	}
	const passwordHash = await hashPassword(data.newPassword);
	await ctx.db.transaction(async (tx) => {
		await tx.update(users).set({ passwordHash, updatedAt: new Date() }).where(eq(users.id, userId));
		await invalidateUserSessions(tx, userId, keepSessionId);
	});
}

export interface SessionView {
	id: string;
	createdAt: Date;
	lastSeenAt: Date;
	expiresAt: Date;
	ip: string | null;
	userAgent: string | null;
	current: boolean;
}

/** The caller's live sessions, newest first, the one asking marked `current`. */
export async function listMySessions(ctx: ServiceContext, actor: Actor, currentSessionId: string | null): Promise<SessionView[]> {
	const userId = ownId(actor);
	const rows = await ctx.db
		.select()
		.from(sessions)
		.where(and(eq(sessions.userId, userId), gt(sessions.expiresAt, new Date())))
		.orderBy(desc(sessions.createdAt));
	return rows.map((r) => ({
		id: r.id,
		createdAt: r.createdAt,
		lastSeenAt: r.lastSeenAt,
		expiresAt: r.expiresAt,
		ip: r.ip,
		userAgent: r.userAgent,
		current: r.id === currentSessionId
	}));
}

/** Ends one of the caller's own sessions (another user's id is simply not found). */
export async function revokeMySession(ctx: ServiceContext, actor: Actor, sessionId: string): Promise<void> {
	const userId = ownId(actor);
	const gone = await ctx.db
		.delete(sessions)
		.where(and(eq(sessions.id, sessionId), eq(sessions.userId, userId)))
		.returning({ id: sessions.id });
	if (gone.length === 0) throw notFound('Session');
}

/** Ends every session of the caller but the current one; answers how many ended. */
export async function revokeMyOtherSessions(ctx: ServiceContext, actor: Actor, currentSessionId: string): Promise<number> {
	const userId = ownId(actor);
	const gone = await ctx.db
		.delete(sessions)
		.where(and(eq(sessions.userId, userId), ne(sessions.id, currentSessionId)))
		.returning({ id: sessions.id });
	return gone.length;
}
