import { and, desc, eq, ilike, isNull, or, sql } from 'drizzle-orm';
import type { Page, PageQuery } from '../../schemas/common';
import { userCreate, userUpdate } from '../../schemas/users';
import type { DbLike } from '../db';
import { groups, users, type User, type UserRole } from '../db/schema';
import { requireAdmin, requireReader, requireRoot, type Actor } from './actor';
import { writeAudit } from './audit';
import type { ServiceContext } from './context';
import { createAccount } from './accounts';
import { fieldError, notFound, parseInput } from './errors';
import { withChanges } from './notify';
import { invalidateUserSessions } from './sessions';

export type UserView = Omit<User, 'passwordHash' | 'deletedAt'>;

const view = ({ passwordHash: _hash, deletedAt: _deleted, ...rest }: User): UserView => rest;

async function liveUser(db: DbLike, id: number): Promise<User> {
	const [row] = await db.select().from(users).where(and(eq(users.id, id), isNull(users.deletedAt)));
	if (!row) throw notFound('User');
	return row;
}

async function assertGroupExists(db: DbLike, name: string): Promise<void> {
	const [row] = await db.select({ name: groups.name }).from(groups).where(eq(groups.name, name));
	if (!row) throw fieldError('invalid_request', 'group', `there is no group "${name}"`);
}

/** Admins and root are made (and unmade) by root only. */
function assertMayGrant(actor: Actor, from: UserRole | null, to: UserRole): void {
	if (to !== 'user' || (from !== null && from !== 'user')) requireRoot(actor);
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
		const [row] = await tx.update(users).set({ group: data.group }).where(eq(users.id, created.userId)).returning();
		if (!row) throw notFound('User');
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
		if (before.role !== 'user') requireRoot(actor);
		if (data.role !== undefined && data.role !== before.role) assertMayGrant(actor, before.role, data.role);
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
		if (!row) throw notFound('User');
		if (enabled === false) await invalidateUserSessions(tx, id);
		await writeAudit(tx, actor, { action: 'user.update', targetType: 'user', targetId: id, before: view(before), after: view(row) });
		return { result: view(row), changes: [{ kind: 'user', id }] };
	});
}

export async function getUser(ctx: ServiceContext, actor: Actor, id: number): Promise<UserView> {
	requireReader(actor);
	return view(await liveUser(ctx.db, id));
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
