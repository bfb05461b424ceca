import { and, eq, isNull, sql } from 'drizzle-orm';
import * as z from 'zod';
import { hashPassword } from '../auth/password';
import { hashToken, randomToken, sameDigest } from '../auth/token-format';
import type { DbLike } from '../db';
import { options, users } from '../db/schema';
import { createAccount, type FieldFailure, takenField } from './accounts';

const SETUP_TOKEN_OPTION = 'setup.token';
const setupTokenValue = z.object({ hash: z.string(), createdAt: z.string() });

export type BootstrapOutcome =
	| { kind: 'root-exists'; envPasswordIgnored: boolean }
	| { kind: 'root-created' }
	| { kind: 'setup-token'; token: string };

/**
 * Makes sure the first start leads to exactly one root account and never to an open door:
 * ELYGATE_ROOT_PASSWORD creates "root" (ignored once a root exists); without it a one-time
 * setup token is issued, and only the URL carrying it can create root. Serialised across
 * instances by an advisory lock.
 */
export async function bootstrapRoot(db: DbLike, rootPassword: string | undefined): Promise<BootstrapOutcome> {
	return db.transaction(async (tx) => {
		await tx.execute(sql`select pg_advisory_xact_lock(hashtext('elygate.bootstrap'))`);
		if (await rootExists(tx)) return { kind: 'root-exists', envPasswordIgnored: rootPassword !== undefined };
		if (rootPassword !== undefined) {
			const created = await createAccount(tx, { username: 'root', password: rootPassword, role: 'root' });
			if (!created.ok) {
				throw new Error('ELYGATE_ROOT_PASSWORD cannot create "root": a non-root account already uses that name.');
			}
			await tx.delete(options).where(eq(options.key, SETUP_TOKEN_OPTION));
			return { kind: 'root-created' };
		}
		const token = randomToken(20);
		const value = { hash: hashToken(token), createdAt: new Date().toISOString() };
		await tx
			.insert(options)
			.values({ key: SETUP_TOKEN_OPTION, value })
			.onConflictDoUpdate({ target: options.key, set: { value, updatedAt: new Date() } });
		return { kind: 'setup-token', token };
	});
}

export async function rootExists(db: DbLike): Promise<boolean> {
	const [row] = await db
		.select({ id: users.id })
		.from(users)
		.where(and(eq(users.role, 'root'), isNull(users.deletedAt)))
		.limit(1);
	return row !== undefined;
}

/** Whether `token` is the live setup token (for showing the form; creation re-checks). */
export async function isValidSetupToken(db: DbLike, token: string): Promise<boolean> {
	const [row] = await db.select({ value: options.value }).from(options).where(eq(options.key, SETUP_TOKEN_OPTION));
	const stored = setupTokenValue.safeParse(row?.value);
	return stored.success && sameDigest(stored.data.hash, hashToken(token));
}

export type SetupResult = { ok: true; userId: number } | { ok: false; reason: 'invalid-token' } | FieldFailure;

/** Creates the root account with the setup token, which dies in the same transaction. */
export async function completeSetup(
	db: DbLike,
	input: { token: string; username: string; email?: string; password: string }
): Promise<SetupResult> {
	const passwordHash = await hashPassword(input.password);
	try {
		return await db.transaction(async (tx) => {
			await tx.execute(sql`select pg_advisory_xact_lock(hashtext('elygate.bootstrap'))`);
			const consumed = await tx
				.delete(options)
				.where(and(eq(options.key, SETUP_TOKEN_OPTION), sql`${options.value}->>'hash' = ${hashToken(input.token)}`))
				.returning({ key: options.key });
			if (consumed.length === 0 || (await rootExists(tx))) return { ok: false, reason: 'invalid-token' } as const;
			const [row] = await tx
				.insert(users)
				.values({ username: input.username, email: input.email || null, passwordHash, role: 'root' })
				.returning({ id: users.id });
			if (!row) throw new Error('insert returned no row');
			return { ok: true, userId: row.id } as const;
		});
	} catch (err) {
		const taken = takenField(err);
		if (taken) return taken;
		throw err;
	}
}
