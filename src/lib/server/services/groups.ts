import { and, count, eq, isNull, sql } from 'drizzle-orm';
import { m } from '../../paraglide/messages';
import { groupUpsert } from '../../schemas/admin';
import { groups, users, type Group } from '../db/schema';
import { requireAdmin, requireReader, type Actor } from './actor';
import { writeAudit } from './audit';
import type { ServiceContext } from './context';
import type { Page, PageQuery } from '../../schemas/common';
import { ServiceError, parseInput, say } from './errors';
import { withChanges } from './notify';

export async function listGroups(ctx: ServiceContext, actor: Actor, query: PageQuery): Promise<Page<Group>> {
	requireReader(actor);
	const [rows, [count]] = await Promise.all([
		ctx.db
			.select()
			.from(groups)
			.orderBy(groups.name)
			.limit(query.perPage)
			.offset((query.page - 1) * query.perPage),
		ctx.db.select({ n: sql<number>`count(*)::int` }).from(groups)
	]);
	return { items: rows, total: count?.n ?? 0, page: query.page, perPage: query.perPage };
}

export async function upsertGroup(ctx: ServiceContext, actor: Actor, input: unknown): Promise<Group> {
	requireAdmin(actor);
	const data = parseInput(groupUpsert, input);
	return withChanges(ctx.db, async (tx) => {
		const [before] = await tx.select().from(groups).where(eq(groups.name, data.name));
		const [row] = await tx
			.insert(groups)
			.values(data)
			.onConflictDoUpdate({ target: groups.name, set: { ratio: data.ratio, description: data.description, updatedAt: new Date() } })
			.returning();
		if (!row) throw new Error('upsert returned no row');
		await writeAudit(tx, actor, { action: before ? 'group.update' : 'group.create', targetType: 'group', targetId: row.name, before, after: row });
		return { result: row, changes: [{ kind: 'groups' }] };
	});
}

/** "default" stays, and so does any group that still has users. */
export async function deleteGroup(ctx: ServiceContext, actor: Actor, name: string): Promise<void> {
	requireAdmin(actor);
	if (name === 'default') throw new ServiceError('invalid_request', say(m.prices_group_default_kept, {}), 'name');
	await withChanges(ctx.db, async (tx) => {
		const [before] = await tx.select().from(groups).where(eq(groups.name, name));
		if (!before) throw new ServiceError('not_found', say(m.prices_group_not_found, {}));
		const [members] = await tx.select({ n: count() }).from(users).where(and(eq(users.group, name), isNull(users.deletedAt)));
		if ((members?.n ?? 0) > 0) {
			throw new ServiceError('conflict', say(m.prices_group_has_users, { name, count: members?.n ?? 0 }), 'name');
		}
		await tx.delete(groups).where(eq(groups.name, name));
		await writeAudit(tx, actor, { action: 'group.delete', targetType: 'group', targetId: name, before });
		return { result: undefined, changes: [{ kind: 'groups' }] };
	});
}
