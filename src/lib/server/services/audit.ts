import type { DbLike } from '../db';
import { auditLog } from '../db/schema';
import { actorFields, type Actor } from './actor';

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
