import { and, eq, isNull, lt, or, sql } from 'drizzle-orm';
import { hashToken, MANAGEMENT_TOKEN_PREFIX, sameDigest } from '../auth/token-format';
import type { DbLike } from '../db';
import { managementTokens } from '../db/schema';

export type TokenScope = 'root' | 'admin' | 'read';
export type TokenCheck = { ok: true; id: number | null; scope: TokenScope } | { ok: false; reason: string };

/**
 * Resolves a bearer token for /api: ELYGATE_ADMIN_TOKEN (root, for automation) or a stored
 * management token that is neither revoked nor expired. Touches last_used_at at most once a minute.
 */
export async function checkManagementToken(db: DbLike, presented: string, envToken: string | undefined): Promise<TokenCheck> {
	if (envToken && sameDigest(hashToken(presented), hashToken(envToken))) return { ok: true, id: null, scope: 'root' };
	if (!presented.startsWith(MANAGEMENT_TOKEN_PREFIX)) {
		return {
			ok: false,
			reason: presented.startsWith('sk-')
				? 'API keys work on /v1 only; the management API takes a management token.'
				: 'Unknown management token.'
		};
	}
	const [row] = await db
		.select({ id: managementTokens.id, scope: managementTokens.scope, expiresAt: managementTokens.expiresAt })
		.from(managementTokens)
		.where(and(eq(managementTokens.tokenHash, hashToken(presented)), isNull(managementTokens.revokedAt)));
	if (!row) return { ok: false, reason: 'Unknown or revoked management token.' };
	if (row.expiresAt && row.expiresAt.getTime() <= Date.now()) return { ok: false, reason: 'This management token has expired.' };
	await db
		.update(managementTokens)
		.set({ lastUsedAt: new Date() })
		.where(
			and(
				eq(managementTokens.id, row.id),
				or(isNull(managementTokens.lastUsedAt), lt(managementTokens.lastUsedAt, sql`now() - interval '1 minute'`))
			)
		);
	return { ok: true, id: row.id, scope: row.scope };
}
