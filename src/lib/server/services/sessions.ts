import { and, eq, isNull, ne } from 'drizzle-orm';
import { RENEW_WHEN_LEFT_MS, SESSION_LIFETIME_MS, type SessionInfo, type SessionValidation } from '../auth/session';
import { hashToken } from '../auth/token-format';
import type { DbLike } from '../db';
import { sessions, users } from '../db/schema';

export async function createSession(
	db: DbLike,
	token: string,
	userId: number,
	meta: { ip?: string; userAgent?: string | null } = {}
): Promise<SessionInfo> {
	const session = {
		id: hashToken(token),
		userId,
		expiresAt: new Date(Date.now() + SESSION_LIFETIME_MS),
		ip: meta.ip ?? null,
		userAgent: meta.userAgent?.slice(0, 400) ?? null
	};
	await db.insert(sessions).values(session);
	return { id: session.id, expiresAt: session.expiresAt };
}

/**
 * One indexed join per UI request. A session dies with its expiry, its user's deletion or
 * its user's disabling (disabling also deletes the rows, see `invalidateUserSessions`).
 */
export async function validateSessionToken(db: DbLike, token: string): Promise<SessionValidation> {
	const id = hashToken(token);
	const [row] = await db
		.select({
			expiresAt: sessions.expiresAt,
			user: {
				id: users.id,
				username: users.username,
				email: users.email,
				role: users.role,
				group: users.group,
				quota: users.quota,
				status: users.status
			}
		})
		.from(sessions)
		.innerJoin(users, and(eq(users.id, sessions.userId), isNull(users.deletedAt)))
		.where(eq(sessions.id, id));
	const now = Date.now();
	if (!row || row.user.status !== 'active' || row.expiresAt.getTime() <= now) {
		if (row) await db.delete(sessions).where(eq(sessions.id, id));
		return { session: null, user: null };
	}
	let expiresAt = row.expiresAt;
	if (expiresAt.getTime() - now < RENEW_WHEN_LEFT_MS) {
		expiresAt = new Date(now + SESSION_LIFETIME_MS);
		await db.update(sessions).set({ expiresAt, lastSeenAt: new Date(now) }).where(eq(sessions.id, id));
	}
	const { status: _status, ...user } = row.user;
	return { session: { id, expiresAt }, user };
}

export async function invalidateSession(db: DbLike, sessionId: string): Promise<void> {
	await db.delete(sessions).where(eq(sessions.id, sessionId));
}

/** Ends every session of a user, except optionally the one making the change. */
export async function invalidateUserSessions(db: DbLike, userId: number, keepSessionId?: string): Promise<void> {
	await db
		.delete(sessions)
		.where(keepSessionId ? and(eq(sessions.userId, userId), ne(sessions.id, keepSessionId)) : eq(sessions.userId, userId));
}
