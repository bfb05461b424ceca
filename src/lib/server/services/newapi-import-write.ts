import { inArray, sql } from 'drizzle-orm';
import type { DbLike } from '../db';
import { inChunks } from '../db/chunks';
import { apiKeys, balanceChanges, channelKeys, channels, importedLogs, importedRows, redemptionCodes, users } from '../db/schema';
import type { ImportPlan, TargetState } from '../import/newapi/plan';
import type { NewApiLog } from '../import/newapi/rows';
import type { SecretBox } from '../security/crypto';
import { maskSecret } from '../security/crypto';
import { writePriceImport } from './price-import';

/** The `source` of imported_rows and the prefix of the balance rows' references. */
export const SOURCE = 'newapi';

// Account and key rows have up to 14 columns: 500 a statement.
const CHUNK = 500;
const chunks = <T>(items: readonly T[]) => inChunks(items, CHUNK);

async function remember(tx: DbLike, kind: string, pairs: Array<[string, number | null]>): Promise<void> {
	for (const part of chunks(pairs)) {
		await tx.insert(importedRows).values(part.map(([sourceId, targetId]) => ({ source: SOURCE, kind, sourceId, targetId })));
	}
}

/** New-API user id -> our user id, for rows that point at users (keys, codes, logs). */
export type UserIds = Map<number, number>;

/**
 * Writes a plan inside the caller's transaction: accounts with their opening balance rows, keys,
 * channels and their sealed secrets, codes, prices and groups, and the id map that makes the next
 * run skip all of it. Returns the id maps the logs need.
 */
export async function writePlan(
	tx: DbLike,
	plan: ImportPlan,
	target: TargetState,
	secrets: SecretBox,
	actorId: number | null
): Promise<{ users: UserIds; keys: Map<number, number>; channels: Map<number, number> }> {
	const source = `New-API database import (${new Date().toISOString().slice(0, 10)})`;
	await writePriceImport(tx, { prices: plan.prices, groups: plan.groups }, source);
	await remember(tx, 'prices', plan.prices.map((p) => [p.model, null]));
	await remember(tx, 'groups', plan.groups.map((g) => [g.name, null]));

	const userIds: UserIds = new Map([...target.imported.users].map(([from, to]) => [Number(from), to]));
	for (const part of chunks(plan.users)) {
		const rows = await tx
			.insert(users)
			.values(
				part.map((u) => ({
					username: u.username,
					displayName: u.displayName,
					email: u.email,
					passwordHash: u.passwordHash,
					role: u.role,
					status: u.status,
					group: u.group,
					quota: u.quota,
					usedQuota: u.usedQuota,
					requestCount: u.requestCount,
					importedUsedQuota: u.usedQuota,
					importedRequestCount: u.requestCount,
					balanceVersion: 1,
					...(u.createdAt ? { createdAt: u.createdAt } : {})
				}))
			)
			.returning({ id: users.id, username: users.username });
		const byName = new Map(rows.map((r) => [r.username.toLowerCase(), r.id]));
		for (const u of part) userIds.set(u.sourceId, byName.get(u.username.toLowerCase())!);
		// The balance arrives as the account's opening balance change, so the books balance from the first row.
		await tx.insert(balanceChanges).values(
			part.map((u) => {
				const id = userIds.get(u.sourceId)!;
				return { userId: id, delta: u.quota, balanceAfter: u.quota, reason: 'import' as const, reference: `${SOURCE}:${u.sourceId}`, actorId, note: 'Balance brought from New-API' };
			})
		);
	}
	await remember(tx, 'users', plan.users.map((u) => [String(u.sourceId), userIds.get(u.sourceId)!]));

	const keyIds = new Map([...target.imported.tokens].map(([from, to]) => [Number(from), to]));
	for (const part of chunks(plan.keys)) {
		const rows = await tx
			.insert(apiKeys)
			.values(
				part.map((k) => ({
					userId: userIds.get(k.ownerSourceId)!,
					name: k.name,
					keyHash: k.keyHash,
					prefix: k.prefix,
					status: k.status,
					quotaLimit: k.quotaLimit,
					usedQuota: k.usedQuota,
					importedUsedQuota: k.usedQuota,
					expiresAt: k.expiresAt,
					allowedModels: k.allowedModels,
					allowedIps: k.allowedIps,
					group: k.group,
					...(k.createdAt ? { createdAt: k.createdAt } : {})
				}))
			)
			.returning({ id: apiKeys.id, keyHash: apiKeys.keyHash });
		const byHash = new Map(rows.map((r) => [r.keyHash, r.id]));
		for (const k of part) keyIds.set(k.sourceId, byHash.get(k.keyHash)!);
	}
	await remember(tx, 'tokens', plan.keys.map((k) => [String(k.sourceId), keyIds.get(k.sourceId)!]));

	const channelIds = new Map([...target.imported.channels].map(([from, to]) => [Number(from), to]));
	for (const c of plan.channels) {
		const { keys, sourceId, createdAt, ...fields } = c;
		const [row] = await tx
			.insert(channels)
			.values({ ...fields, disabledAt: c.status === 'disabled' ? new Date() : null, ...(createdAt ? { createdAt } : {}) })
			.returning({ id: channels.id });
		if (!row) throw new Error('insert returned no row');
		channelIds.set(sourceId, row.id);
		await tx.insert(channelKeys).values(
			keys.map((k) => ({
				channelId: row.id,
				secretEncrypted: secrets.encrypt(k.secret),
				secretHint: maskSecret(k.secret),
				status: k.status,
				disableKind: k.disableKind,
				disableReason: k.disableReason,
				disabledAt: k.status === 'disabled' ? new Date() : null
			}))
		);
	}
	await remember(tx, 'channels', plan.channels.map((c) => [String(c.sourceId), channelIds.get(c.sourceId)!]));

	const codeIds: Array<[string, number]> = [];
	for (const part of chunks(plan.codes)) {
		const rows = await tx
			.insert(redemptionCodes)
			.values(
				part.map((r) => ({
					name: r.name,
					codeHash: r.codeHash,
					prefix: r.prefix,
					quota: r.quota,
					status: r.status,
					createdBy: r.createdBySourceId === null ? null : (userIds.get(r.createdBySourceId) ?? null),
					redeemedBy: r.redeemedBySourceId === null ? null : (userIds.get(r.redeemedBySourceId) ?? null),
					redeemedAt: r.redeemedAt,
					expiresAt: r.expiresAt,
					...(r.createdAt ? { createdAt: r.createdAt } : {})
				}))
			)
			.returning({ id: redemptionCodes.id, codeHash: redemptionCodes.codeHash });
		const byHash = new Map(rows.map((r) => [r.codeHash, r.id]));
		for (const r of part) codeIds.push([String(r.sourceId), byHash.get(r.codeHash)!]);
	}
	await remember(tx, 'redemptions', codeIds);
	return { users: userIds, keys: keyIds, channels: channelIds };
}

/** One page of New-API's consumption logs as history rows; returns how many were new. */
export async function writeLogs(tx: DbLike, page: NewApiLog[], ids: { users: UserIds; keys: Map<number, number>; channels: Map<number, number> }): Promise<number> {
	if (!page.length) return 0;
	const rows = await tx
		.insert(importedLogs)
		.values(
			page.map((l) => ({
				sourceId: l.id,
				createdAt: new Date(l.created_at * 1000),
				userId: ids.users.get(l.user_id) ?? null,
				apiKeyId: ids.keys.get(l.token_id) ?? null,
				channelId: ids.channels.get(l.channel_id) ?? null,
				username: l.username,
				keyName: l.token_name,
				model: l.model_name,
				group: l.group ?? '',
				promptTokens: Math.max(0, l.prompt_tokens),
				completionTokens: Math.max(0, l.completion_tokens),
				cost: l.quota,
				// New-API records whole seconds.
				latencyMs: l.use_time > 0 ? l.use_time * 1000 : null,
				stream: l.is_stream,
				clientIp: l.ip || null,
				content: l.content
			}))
		)
		.onConflictDoNothing({ target: importedLogs.sourceId })
		.returning({ id: importedLogs.id });
	return rows.length;
}

/** Of these New-API log ids, how many no earlier import brought (for a dry run's count). */
export async function newLogCount(db: DbLike, page: NewApiLog[]): Promise<number> {
	if (!page.length) return 0;
	const [row] = await db
		.select({ n: sql<number>`count(*)::int` })
		.from(importedLogs)
		.where(inArray(importedLogs.sourceId, page.map((l) => l.id)));
	return page.length - (row?.n ?? 0);
}
