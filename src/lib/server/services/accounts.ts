import { and, eq, isNull, sql } from 'drizzle-orm';
import type { LoginLimiter } from '../auth/login-limiter';
import { hashPassword, needsRehash, verifyAgainstNothing, verifyPassword } from '../auth/password';
import type { DbLike } from '../db';
import { isUniqueViolation } from '../db/errors';
import { balanceChanges, users, type UserRole } from '../db/schema';
import { withChanges } from './notify';
import { m } from '../../paraglide/messages';
import { invalidateUserSessions } from './sessions';

export interface NewAccount {
	username: string;
	email?: string;
	password: string;
	role?: UserRole;
	/** Starting balance in quota units (0 when absent). */
	initialQuota?: number;
	/** The group the account joins ("default" when absent). */
	group?: string;
	/** Who created the account (an admin), for the balance history; null when self-registered. */
	actorId?: number | null;
}

export type FieldFailure = { ok: false; field: 'username' | 'email'; message: string };


/** Inserts an account; a taken username or email is an answer, not an exception. */
export async function createAccount(db: DbLike, account: NewAccount): Promise<{ ok: true; userId: number } | FieldFailure> {
	const passwordHash = await hashPassword(account.password);
	const initial = account.initialQuota ?? 0;
	try {
		// The starting balance is a balance change like any other: its row and the balance together.
		// Every instance learns of the account at once (its keys are useless to the relay until then).
		const userId = await withChanges(db, async (tx) => {
			const [row] = await tx
				.insert(users)
				.values({
					username: account.username,
					email: account.email || null,
					passwordHash,
					role: account.role ?? 'user',
					...(account.group ? { group: account.group } : {}),
					quota: initial,
					balanceVersion: 1
				})
				.returning({ id: users.id });
			if (!row) throw new Error('insert returned no row');
			await tx.insert(balanceChanges).values({ userId: row.id, delta: initial, balanceAfter: initial, reason: 'initial', actorId: account.actorId ?? null });
			return { result: row.id, changes: [{ kind: 'user', id: row.id }] };
		});
		return { ok: true, userId };
	} catch (err) {
		const taken = takenField(err);
		if (taken) return taken;
		throw err;
	}
}

export function takenField(err: unknown): FieldFailure | undefined {
	if (isUniqueViolation(err, 'users_username_unique')) return { ok: false, field: 'username', message: m.auth_username_taken() };
	if (isUniqueViolation(err, 'users_email_unique')) return { ok: false, field: 'email', message: m.auth_email_taken() };
	return undefined;
}

export function findLiveUser(db: DbLike, username: string) {
	return db
		.select({ id: users.id, passwordHash: users.passwordHash, status: users.status, locale: users.locale })
		.from(users)
		.where(and(sql`lower(${users.username}) = lower(${username})`, isNull(users.deletedAt)))
		.then((rows) => rows[0]);
}

export type SignInResult =
	| { ok: true; userId: number; locale: string | null }
	| { ok: false; reason: 'invalid' | 'disabled' }
	| { ok: false; reason: 'rate_limited'; retryAfterMs: number };

/**
 * Checks a username and password. Unknown users and wrong passwords are indistinguishable
 * (same answer, same time). The attempt is counted by the limiter before the password is
 * hashed, so a blocked caller costs no hashing and concurrent guesses cannot all get through.
 */
export async function signIn(
	db: DbLike,
	limiter: LoginLimiter,
	input: { username: string; password: string; ip: string }
): Promise<SignInResult> {
	const decision = limiter.begin(input.ip, input.username);
	if (!decision.allowed) return { ok: false, reason: 'rate_limited', retryAfterMs: decision.retryAfterMs };
	let user: Awaited<ReturnType<typeof findLiveUser>>;
	let valid: boolean;
	try {
		user = await findLiveUser(db, input.username);
		valid = user ? await verifyPassword(input.password, user.passwordHash) : await verifyAgainstNothing(input.password);
	} catch (err) {
		decision.ticket.release(); // the database failed, not the caller
		throw err;
	}
	if (!user || !valid) return { ok: false, reason: 'invalid' };
	decision.ticket.succeeded();
	if (user.status !== 'active') return { ok: false, reason: 'disabled' };
	// The password is at hand only now: an imported bcrypt hash becomes argon2id on this sign-in.
	// Conditional on the old hash, so a password changed meanwhile is never overwritten.
	const rehashed = needsRehash(user.passwordHash) ? await hashPassword(input.password) : undefined;
	await db
		.update(users)
		.set({ lastLoginAt: new Date(), ...(rehashed ? { passwordHash: sql`case when ${users.passwordHash} = ${user.passwordHash} then ${rehashed} else ${users.passwordHash} end` } : {}) })
		.where(eq(users.id, user.id));
	return { ok: true, userId: user.id, locale: user.locale };
}

/** Sets a new password and ends every session of the account. False when no such user. */
export async function resetPassword(db: DbLike, username: string, password: string): Promise<boolean> {
	const user = await findLiveUser(db, username);
	if (!user) return false;
	const passwordHash = await hashPassword(password);
	await db.update(users).set({ passwordHash }).where(eq(users.id, user.id));
	await invalidateUserSessions(db, user.id);
	return true;
}
