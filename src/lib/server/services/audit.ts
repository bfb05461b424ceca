import { and, desc, eq, inArray, sql } from 'drizzle-orm';
import type { Page, PageQuery } from '../../schemas/common';
import type { DbLike } from '../db';
import { auditLog, users, type AuditEntry as AuditRow } from '../db/schema';
import { actorFields, requireRoot, type Actor } from './actor';
import type { ServiceContext } from './context';

const SECRET_FIELDS = new Set(['password', 'passwordHash', 'keyHash', 'secret', 'secretEncrypted', 'keys', 'tokenHash', 'codeHash']);

/** Copies a record for the audit log without anything secret (keys become a count). */
export function redactForAudit(value: unknown): unknown {
	if (Array.isArray(value)) return value.map(redactForAudit);
	if (value instanceof Date) return value.toISOString();
	if (value === null || typeof value !== 'object') return value;
	const out: Record<string, unknown> = {};
	for (const [k, v] of Object.entries(value)) {
		if (SECRET_FIELDS.has(k)) {
			if (k === 'keys' && Array.isArray(v)) out.keyCount = v.length;
			continue;
		}
		out[k] = redactForAudit(v);
	}
	return out;
}

export interface AuditEntry {
	action: string;
	targetType: string;
	targetId?: string | number | null;
	before?: unknown;
	after?: unknown;
	ip?: string | null;
}

export async function writeAudit(db: DbLike, actor: Actor, entry: AuditEntry): Promise<void> {
	await db.insert(auditLog).values({
		...actorFields(actor),
		action: entry.action,
		targetType: entry.targetType,
		targetId: entry.targetId == null ? null : String(entry.targetId),
		before: entry.before === undefined ? null : redactForAudit(entry.before),
		after: entry.after === undefined ? null : redactForAudit(entry.after),
		ip: entry.ip ?? null
	});
}

/** The audit log (root's only, as the console shows it), newest first, optionally narrowed to one target and to one actor. */
export async function listAudit(
	ctx: ServiceContext,
	actor: Actor,
	query: PageQuery & { targetType?: string; targetId?: string; actorKind?: string; actorId?: number }
): Promise<Page<AuditRow>> {
	requireRoot(actor);
	const where = and(
		query.targetType ? eq(auditLog.targetType, query.targetType) : undefined,
		query.targetId ? eq(auditLog.targetId, query.targetId) : undefined,
		query.actorKind ? eq(auditLog.actorKind, query.actorKind) : undefined,
		query.actorId !== undefined ? eq(auditLog.actorId, query.actorId) : undefined
	);
	const [rows, [count]] = await Promise.all([
		ctx.db
			.select()
			.from(auditLog)
			.where(where)
			.orderBy(desc(auditLog.id))
			.limit(query.perPage)
			.offset((query.page - 1) * query.perPage),
		ctx.db.select({ n: sql<number>`count(*)::int` }).from(auditLog).where(where)
	]);
	return { items: rows, total: count?.n ?? 0, page: query.page, perPage: query.perPage };
}

/** Usernames of the users among audit actors, to show who acted. */
export async function auditActorNames(ctx: ServiceContext, actor: Actor, rows: AuditRow[]): Promise<Map<number, string>> {
	requireRoot(actor);
	const ids = [...new Set(rows.filter((r) => r.actorKind === 'user' && r.actorId !== null).map((r) => r.actorId as number))];
	if (ids.length === 0) return new Map();
	const found = await ctx.db.select({ id: users.id, name: users.username }).from(users).where(inArray(users.id, ids));
	return new Map(found.map((u) => [u.id, u.name]));
}
