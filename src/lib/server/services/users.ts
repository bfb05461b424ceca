import { and, desc, eq, ilike, inArray, isNull, or, sql } from 'drizzle-orm';
import { m } from '../../paraglide/messages';
import type { Page, PageQuery } from '../../schemas/common';
import { userCreate, userUpdate, usersStatusChange } from '../../schemas/users';
import type { DbLike } from '../db';
import { groups, users, type User, type UserRole } from '../db/schema';
import { requireAdmin, requireReader, requireRoot, type Actor } from './actor';
import { writeAudit } from './audit';
import type { ServiceContext } from './context';
import { createAccount } from './accounts';
import { ServiceError, fieldError, parseInput, say } from './errors';
import { withChanges } from './notify';
import { invalidateUserSessions } from './sessions';

export type UserView = Omit<User, 'passwordHash' | 'deletedAt'>;

const view = ({ passwordHash: _hash, deletedAt: _deleted, ...rest }: User): UserView => rest;

const userNotFound = () => new ServiceError('not_found', say(m.users_not_found, {}));

async function liveUser(db: DbLike, id: number): Promise<User> {
	const [row] = await db.select().from(users).where(and(eq(users.id, id), isNull(users.deletedAt)));
	if (!row) throw userNotFound();
	return row;
}

async function assertGroupExists(db: DbLike, name: string): Promise<void> {
	const [row] = await db.select({ name: groups.name }).from(groups).where(eq(groups.name, name));
	if (!row) throw fieldError('invalid_request', 'group', say(m.users_no_such_group, { name }));
}

/** Whether the actor is root (or acts with root's rights: the system, a root token). */
function isRoot(actor: Actor): boolean {
	try {
		requireRoot(actor);
		return true;
	} catch {
		return false;
	}
}

/** Admins and root are made (and unmade) by root only. */
function assertMayGrant(actor: Actor, from: UserRole | null, to: UserRole): void {
	if ((to !== 'user' || (from !== null && from !== 'user')) && !isRoot(actor)) {
		throw fieldError('forbidden', 'role', say(m.users_role_root_only, {}));
	}
}

/**
 * Why `actor` may not change the status of `target`, or null when it may. The one rule set of
 * the single edit and the bulk action: administrators and root are changed by root only, and
 * nobody disables their own account (they would lock themselves out).
 */
function statusRefusal(actor: Actor, target: User, enabled: boolean): 'root_only' | 'self' | null {
	if (!enabled && actor.kind === 'user' && actor.id === target.id) return 'self';
	if (target.role !== 'user' && !isRoot(actor)) return 'root_only';
	return null;
}

export async function createUser(ctx: ServiceContext, actor: Actor, input: unknown): Promise<UserView> {
	requireAdmin(actor);
	const data = parseInput(userCreate, input);
	assertMayGrant(actor, null, data.role);
	await assertGroupExists(ctx.db, data.group);
	const created = await createAccount(ctx.db, {
		username: data.username,
		email: data.email,
		password: data.password,
		role: data.role,
		initialQuota: data.quota,
		actorId: actor.kind === 'user' ? actor.id : null
	});
	if (!created.ok) throw fieldError('conflict', created.field, created.message);
	return withChanges(ctx.db, async (tx) => {
		const [row] = await tx
			.update(users)
			.set({ group: data.group, displayName: data.displayName || null })
			.where(eq(users.id, created.userId))
			.returning();
		if (!row) throw userNotFound();
		await writeAudit(tx, actor, { action: 'user.create', targetType: 'user', targetId: row.id, after: view(row) });
		return { result: view(row), changes: [{ kind: 'user', id: row.id }] };
	});
}

/** Role, group, email, enabled. Disabling ends the user's sessions; their keys stop at once. */
export async function updateUser(ctx: ServiceContext, actor: Actor, id: number, input: unknown): Promise<UserView> {
	requireAdmin(actor);
	const data = parseInput(userUpdate, input);
	return withChanges(ctx.db, async (tx) => {
		const before = await liveUser(tx, id);
		if (before.role !== 'user' && !isRoot(actor)) throw new ServiceError('forbidden', say(m.users_admins_root_only, {}));
		if (data.role !== undefined && data.role !== before.role) assertMayGrant(actor, before.role, data.role);
		if (data.enabled !== undefined && statusRefusal(actor, before, data.enabled) === 'self') {
			throw fieldError('forbidden', 'enabled', say(m.users_cannot_disable_self, {}));
		}
		if (data.group !== undefined) await assertGroupExists(tx, data.group);
		const { enabled, email, ...fields } = data;
		const [row] = await tx
			.update(users)
			.set({
				...fields,
				...(email === undefined ? {} : { email: email || null }),
				...(enabled === undefined ? {} : { status: enabled ? ('active' as const) : ('disabled' as const) }),
				updatedAt: new Date()
			})
			.where(eq(users.id, id))
			.returning();
		if (!row) throw userNotFound();
		if (enabled === false) await invalidateUserSessions(tx, id);
		await writeAudit(tx, actor, { action: 'user.update', targetType: 'user', targetId: id, before: view(before), after: view(row) });
		return { result: view(row), changes: [{ kind: 'user', id }] };
	});
}

export interface UsersStatusOutcome {
	/** The users whose status changed, each with its own audit entry. */
	changed: UserView[];
	/** Selected users that already had the status. */
	unchanged: UserView[];
	/** Selected users left alone, and why: the single edit's rules. */
	skipped: Array<{ user: UserView; reason: 'root_only' | 'self' }>;
	/** Ids that name no live user. */
	missing: number[];
}

/**
 * Enables or disables several users in one transaction, by the rules of `updateUser`: a user
 * the actor may not change is skipped (and named), never half-changed. Disabling ends sessions.
 */
export async function setUsersEnabled(ctx: ServiceContext, actor: Actor, input: unknown): Promise<UsersStatusOutcome> {
	requireAdmin(actor);
	const { ids, enabled } = parseInput(usersStatusChange, input);
	const wanted = [...new Set(ids)];
	return withChanges(ctx.db, async (tx) => {
		const rows = await tx
			.select()
			.from(users)
			.where(and(inArray(users.id, wanted), isNull(users.deletedAt)))
			.orderBy(users.id)
			.for('update');
		const outcome: UsersStatusOutcome = { changed: [], unchanged: [], skipped: [], missing: wanted.filter((id) => !rows.some((r) => r.id === id)) };
		const status = enabled ? ('active' as const) : ('disabled' as const);
		for (const before of rows) {
			const reason = statusRefusal(actor, before, enabled);
			if (reason) {
				outcome.skipped.push({ user: view(before), reason });
				continue;
			}
			if (before.status === status) {
				outcome.unchanged.push(view(before));
				continue;
			}
			const [row] = await tx.update(users).set({ status, updatedAt: new Date() }).where(eq(users.id, before.id)).returning();
			if (!row) throw userNotFound();
			if (!enabled) await invalidateUserSessions(tx, row.id);
			await writeAudit(tx, actor, { action: 'user.update', targetType: 'user', targetId: row.id, before: view(before), after: view(row) });
			outcome.changed.push(view(row));
		}
		return { result: outcome, changes: outcome.changed.map((u) => ({ kind: 'user' as const, id: u.id })) };
	});
}

export async function getUser(ctx: ServiceContext, actor: Actor, id: number): Promise<UserView> {
	requireReader(actor);
	return view(await liveUser(ctx.db, id));
}

/** The live user with this username (any case), or null. */
export async function findUserByName(ctx: ServiceContext, actor: Actor, username: string): Promise<UserView | null> {
	requireReader(actor);
	const [row] = await ctx.db
		.select()
		.from(users)
		.where(and(sql`lower(${users.username}) = lower(${username.trim()})`, isNull(users.deletedAt)));
	return row ? view(row) : null;
}

/** Usernames by id (deleted accounts included: they still name who did what). */
export async function usernamesOf(ctx: ServiceContext, actor: Actor, ids: Iterable<number>): Promise<Map<number, string>> {
	requireReader(actor);
	const wanted = [...new Set(ids)];
	if (wanted.length === 0) return new Map();
	const rows = await ctx.db.select({ id: users.id, username: users.username }).from(users).where(inArray(users.id, wanted));
	return new Map(rows.map((r) => [r.id, r.username]));
}

export async function listUsers(ctx: ServiceContext, actor: Actor, query: PageQuery & { query?: string }): Promise<Page<UserView>> {
	requireReader(actor);
	const term = query.query?.trim();
	const where = and(
		isNull(users.deletedAt),
		term ? or(ilike(users.username, `%${escapeLike(term)}%`), ilike(users.email, `%${escapeLike(term)}%`)) : undefined
	);
	const [rows, [count]] = await Promise.all([
		ctx.db
			.select()
			.from(users)
			.where(where)
			.orderBy(desc(users.id))
			.limit(query.perPage)
			.offset((query.page - 1) * query.perPage),
		ctx.db.select({ n: sql<number>`count(*)::int` }).from(users).where(where)
	]);
	return { items: rows.map(view), total: count?.n ?? 0, page: query.page, perPage: query.perPage };
}

function escapeLike(term: string): string {
	return term.replace(/[\\%_]/g, (c) => `\\${c}`);
}
