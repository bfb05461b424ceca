import { and, desc, eq, isNull, sql } from 'drizzle-orm';
import { apiKeyCreate, apiKeyUpdate } from '../../schemas/api-keys';
import type { Page, PageQuery } from '../../schemas/common';
import { apiKeyPrefix, generateApiKey, hashApiKey } from '../auth/api-key-format';
import type { DbLike } from '../db';
import { apiKeys, users, type ApiKey, type UserRole } from '../db/schema';
import { parseAllowListEntry } from '../security/ip-allowlist';
import { actingUserId, canRead, requireAdmin, requireRoot, type Actor } from './actor';
import { writeAudit } from './audit';
import type { ServiceContext } from './context';
import { m } from '../../paraglide/messages';
import { ServiceError, fieldError, parseInput, say } from './errors';
import { getOption } from './options-store';
import { withChanges } from './notify';

export type ApiKeyView = Omit<ApiKey, 'keyHash' | 'deletedAt'>;

/** "API key not found" (the API's words), in the page's language on a page. */
const keyNotFound = () => new ServiceError('not_found', say(m.keys_not_found, {}));

const view = ({ keyHash: _hash, deletedAt: _deleted, ...rest }: ApiKey): ApiKeyView => rest;

/** Normalises the IP list, refusing the first entry that is not an IP or CIDR range. */
function normalizeIps(entries: string[]): string[] {
	return entries.map((entry) => {
		const parsed = parseAllowListEntry(entry);
		if (!parsed.ok) throw fieldError('invalid_request', 'allowedIps', say(m.keys_ip_invalid, { entry: entry.trim() }));
		return parsed.normalized;
	});
}

/**
 * Owners manage their own keys; admins (and admin tokens) plain users' keys. A key spends its
 * owner's balance, so the keys of administrators and root are root's business, as their
 * balances are.
 */
async function assertCanManage(db: DbLike, actor: Actor, ownerId: number): Promise<void> {
	if (actingUserId(actor) === ownerId) return;
	requireAdmin(actor);
	if ((await ownerRole(db, ownerId)) !== 'user') requireRoot(actor);
}

/** Reading follows the same line: readers see plain users' keys, root everyone's. */
async function assertCanRead(db: DbLike, actor: Actor, ownerId: number): Promise<void> {
	if (actingUserId(actor) === ownerId) return;
	// Someone else's key is simply not there for a plain user: its existence is not theirs to learn.
	if (!canRead(actor)) throw keyNotFound();
	if ((await ownerRole(db, ownerId)) !== 'user') requireRoot(actor);
}

/** The owner's role; an id with no user is judged as a plain user's (the create then refuses it). */
async function ownerRole(db: DbLike, ownerId: number): Promise<UserRole> {
	const [row] = await db.select({ role: users.role }).from(users).where(eq(users.id, ownerId));
	return row?.role ?? 'user';
}

async function liveKey(db: DbLike, id: number): Promise<ApiKey> {
	const [row] = await db.select().from(apiKeys).where(and(eq(apiKeys.id, id), isNull(apiKeys.deletedAt)));
	if (!row) throw keyNotFound();
	return row;
}

/** Creates a key; the full key is in the result once and never again. */
export async function createApiKey(ctx: ServiceContext, actor: Actor, input: unknown): Promise<{ key: string; apiKey: ApiKeyView }> {
	const data = parseInput(apiKeyCreate, input);
	const ownerId = data.userId ?? actingUserId(actor);
	if (ownerId === null) throw fieldError('invalid_request', 'userId', 'say which user the key is for');
	await assertCanManage(ctx.db, actor, ownerId);
	const [owner] = await ctx.db.select({ id: users.id }).from(users).where(and(eq(users.id, ownerId), isNull(users.deletedAt)));
	if (!owner) throw fieldError('invalid_request', 'userId', 'no such user');
	if (data.expiresAt && data.expiresAt.getTime() <= Date.now()) {
		throw fieldError('invalid_request', 'expiresAt', say(m.keys_expiry_past, {}));
	}
	const key = generateApiKey();
	const { userId: _userId, ...given } = data;
	// A key that says nothing about its rate limits gets the installation's defaults.
	const fields = { ...given, ...(await defaultLimits(ctx.db, input)) };
	const apiKey = await withChanges(ctx.db, async (tx) => {
		const [row] = await tx
			.insert(apiKeys)
			.values({ ...fields, allowedIps: normalizeIps(fields.allowedIps), userId: ownerId, keyHash: hashApiKey(key), prefix: apiKeyPrefix(key) })
			.returning();
		if (!row) throw new Error('insert returned no row');
		await writeAudit(tx, actor, { action: 'api_key.create', targetType: 'api_key', targetId: row.id, after: view(row) });
		return { result: view(row), changes: [{ kind: 'key', id: row.id }] };
	});
	return { key, apiKey };
}

export async function updateApiKey(ctx: ServiceContext, actor: Actor, id: number, input: unknown): Promise<ApiKeyView> {
	const data = parseInput(apiKeyUpdate, input);
	return withChanges(ctx.db, async (tx) => {
		const before = await liveKey(tx, id);
		await assertCanRead(tx, actor, before.userId);
		await assertCanManage(tx, actor, before.userId);
		const { enabled, allowedIps, ...fields } = data;
		const [row] = await tx
			.update(apiKeys)
			.set({
				...fields,
				...(allowedIps ? { allowedIps: normalizeIps(allowedIps) } : {}),
				...(enabled === undefined ? {} : { status: enabled ? ('active' as const) : ('disabled' as const) }),
				updatedAt: new Date()
			})
			.where(eq(apiKeys.id, id))
			.returning();
		if (!row) throw keyNotFound();
		await writeAudit(tx, actor, { action: 'api_key.update', targetType: 'api_key', targetId: id, before: view(before), after: view(row) });
		return { result: view(row), changes: [{ kind: 'key', id }] };
	});
}

/** Soft delete: the key stops working at once; its log rows keep their reference. */
export async function deleteApiKey(ctx: ServiceContext, actor: Actor, id: number): Promise<void> {
	await withChanges(ctx.db, async (tx) => {
		const before = await liveKey(tx, id);
		await assertCanRead(tx, actor, before.userId);
		await assertCanManage(tx, actor, before.userId);
		await tx.update(apiKeys).set({ deletedAt: new Date(), status: 'disabled' }).where(eq(apiKeys.id, id));
		await writeAudit(tx, actor, { action: 'api_key.delete', targetType: 'api_key', targetId: id, before: view(before) });
		return { result: undefined, changes: [{ kind: 'key', id }] };
	});
}

export async function getApiKey(ctx: ServiceContext, actor: Actor, id: number): Promise<ApiKeyView> {
	const row = await liveKey(ctx.db, id);
	await assertCanRead(ctx.db, actor, row.userId);
	return view(row);
}

/** A user's keys (their own, or anyone's for admins and read tokens). */
export async function listApiKeys(ctx: ServiceContext, actor: Actor, userId: number, query: PageQuery): Promise<Page<ApiKeyView>> {
	if (actingUserId(actor) !== userId && !canRead(actor)) throw new ServiceError('forbidden', 'Administrators only.');
	await assertCanRead(ctx.db, actor, userId);
	const where = and(eq(apiKeys.userId, userId), isNull(apiKeys.deletedAt));
	const [rows, [count]] = await Promise.all([
		ctx.db
			.select()
			.from(apiKeys)
			.where(where)
			.orderBy(desc(apiKeys.id))
			.limit(query.perPage)
			.offset((query.page - 1) * query.perPage),
		ctx.db.select({ n: sql<number>`count(*)::int` }).from(apiKeys).where(where)
	]);
	return { items: rows.map(view), total: count?.n ?? 0, page: query.page, perPage: query.perPage };
}

/** The configured default limits for the limits a create request left out (0 = none). */
async function defaultLimits(db: DbLike, input: unknown): Promise<{ rpmLimit?: number; tpmLimit?: number }> {
	const sent = input !== null && typeof input === 'object' ? (input as Record<string, unknown>) : {};
	const limits: { rpmLimit?: number; tpmLimit?: number } = {};
	if (sent.rpmLimit === undefined) {
		const rpm = await getOption(db, 'keys.default_rpm_limit');
		if (rpm > 0) limits.rpmLimit = rpm;
	}
	if (sent.tpmLimit === undefined) {
		const tpm = await getOption(db, 'keys.default_tpm_limit');
		if (tpm > 0) limits.tpmLimit = tpm;
	}
	return limits;
}
