import { and, desc, eq, isNull, sql } from 'drizzle-orm';
import { m } from '../../paraglide/messages';
import type { Page, PageQuery } from '../../schemas/common';
import { managementTokenCreate } from '../../schemas/tokens';
import { generateManagementToken, hashToken } from '../auth/token-format';
import { managementTokens, type ManagementToken } from '../db/schema';
import { actingUserId, requireRoot, type Actor } from './actor';
import { writeAudit } from './audit';
import type { ServiceContext } from './context';
import { ServiceError, fieldError, parseInput, say } from './errors';

export type ManagementTokenView = Omit<ManagementToken, 'tokenHash'>;

const view = ({ tokenHash: _hash, ...rest }: ManagementToken): ManagementTokenView => rest;

/** Root creates management tokens; the full token is in the result once and never again. */
export async function createManagementToken(
	ctx: ServiceContext,
	actor: Actor,
	input: unknown
): Promise<{ token: string; managementToken: ManagementTokenView }> {
	requireRoot(actor);
	const data = parseInput(managementTokenCreate, input);
	if (data.expiresAt && data.expiresAt.getTime() <= Date.now()) {
		throw fieldError('invalid_request', 'expiresAt', say(m.tokens_expiry_future, {}));
	}
	const token = generateManagementToken();
	return ctx.db.transaction(async (tx) => {
		const [row] = await tx
			.insert(managementTokens)
			.values({ ...data, tokenHash: hashToken(token), prefix: `${token.slice(0, 8)}…${token.slice(-4)}`, createdBy: actingUserId(actor) })
			.returning();
		if (!row) throw new Error('insert returned no row');
		await writeAudit(tx, actor, { action: 'token.create', targetType: 'management_token', targetId: row.id, after: view(row) });
		return { token, managementToken: view(row) };
	});
}

export async function listManagementTokens(ctx: ServiceContext, actor: Actor, query: PageQuery): Promise<Page<ManagementTokenView>> {
	requireRoot(actor);
	const where = isNull(managementTokens.revokedAt);
	const [rows, [count]] = await Promise.all([
		ctx.db
			.select()
			.from(managementTokens)
			.where(where)
			.orderBy(desc(managementTokens.id))
			.limit(query.perPage)
			.offset((query.page - 1) * query.perPage),
		ctx.db.select({ n: sql<number>`count(*)::int` }).from(managementTokens).where(where)
	]);
	return { items: rows.map(view), total: count?.n ?? 0, page: query.page, perPage: query.perPage };
}

/** Revoked tokens stop working at once (they are looked up on every call). */
export async function revokeManagementToken(ctx: ServiceContext, actor: Actor, id: number): Promise<void> {
	requireRoot(actor);
	await ctx.db.transaction(async (tx) => {
		const [row] = await tx
			.update(managementTokens)
			.set({ revokedAt: new Date() })
			.where(and(eq(managementTokens.id, id), isNull(managementTokens.revokedAt)))
			.returning();
		if (!row) throw new ServiceError('not_found', say(m.tokens_not_found, {}));
		await writeAudit(tx, actor, { action: 'token.revoke', targetType: 'management_token', targetId: id, before: view(row) });
	});
}
