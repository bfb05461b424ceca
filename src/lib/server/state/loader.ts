import { and, eq, inArray, isNull } from 'drizzle-orm';
import type { DbLike } from '../db';
import { apiKeys, channelKeys, channels, groups, modelPrices, users, type ApiKey, type Channel, type ChannelKey } from '../db/schema';
import { loadOptions } from '../services/options-store';
import type { SecretBox } from '../security/crypto';
import { compileAllowList } from '../security/ip-allowlist';
import {
	buildRoutes,
	normalizeBaseUrl,
	type ChannelState,
	type GroupState,
	type KeyState,
	type PriceState,
	type Snapshot,
	type UserState
} from './snapshot';

/** Reads everything the relay needs into a fresh snapshot (a handful of queries). */
export async function loadSnapshot(db: DbLike, secrets: SecretBox): Promise<Snapshot> {
	const [keyRows, userRows, groupRows, channelRows, channelKeyRows, priceRows, optionValues] = await Promise.all([
		db.select().from(apiKeys).where(isNull(apiKeys.deletedAt)),
		db.select().from(users).where(isNull(users.deletedAt)),
		db.select().from(groups),
		db.select().from(channels).where(isNull(channels.deletedAt)),
		db.select().from(channelKeys).where(eq(channelKeys.status, 'enabled')),
		db.select().from(modelPrices),
		loadOptions(db)
	]);
	const snapshot: Snapshot = {
		keysByHash: new Map(),
		keyHashById: new Map(),
		users: new Map(userRows.map((u) => [u.id, toUser(u)])),
		groups: new Map(groupRows.map((g) => [g.name, toGroup(g)])),
		channels: new Map(),
		routes: new Map(),
		prices: new Map(priceRows.map((p) => [p.model, toPrice(p)])),
		options: optionValues,
		loadedAt: Date.now()
	};
	for (const row of keyRows) putKey(snapshot, row.keyHash, toKey(row));
	const keysByChannel = Map.groupBy(channelKeyRows, (k) => k.channelId);
	for (const row of channelRows) snapshot.channels.set(row.id, toChannel(row, keysByChannel.get(row.id) ?? [], secrets));
	snapshot.routes = buildRoutes(snapshot.channels.values());
	return snapshot;
}

export async function loadKey(db: DbLike, id: number): Promise<{ hash: string; key: KeyState } | undefined> {
	const [row] = await db.select().from(apiKeys).where(and(eq(apiKeys.id, id), isNull(apiKeys.deletedAt)));
	return row && { hash: row.keyHash, key: toKey(row) };
}

export async function loadUsers(db: DbLike, ids: number[]): Promise<Map<number, UserState | undefined>> {
	const rows = ids.length ? await db.select().from(users).where(and(inArray(users.id, ids), isNull(users.deletedAt))) : [];
	const found = new Map<number, UserState | undefined>(ids.map((id) => [id, undefined]));
	for (const row of rows) found.set(row.id, toUser(row));
	return found;
}

export async function loadChannel(db: DbLike, id: number, secrets: SecretBox): Promise<ChannelState | undefined> {
	const [row] = await db.select().from(channels).where(and(eq(channels.id, id), isNull(channels.deletedAt)));
	if (!row) return undefined;
	const keys = await db
		.select()
		.from(channelKeys)
		.where(and(eq(channelKeys.channelId, id), eq(channelKeys.status, 'enabled')));
	return toChannel(row, keys, secrets);
}

export async function loadGroups(db: DbLike): Promise<Map<string, GroupState>> {
	return new Map((await db.select().from(groups)).map((g) => [g.name, toGroup(g)]));
}

export async function loadPrices(db: DbLike): Promise<Map<string, PriceState>> {
	return new Map((await db.select().from(modelPrices)).map((p) => [p.model, toPrice(p)]));
}

/** Keys are found by hash; the id index lets a changed or deleted key be replaced. */
export function putKey(snapshot: Snapshot, hash: string, key: KeyState): void {
	const previous = snapshot.keyHashById.get(key.id);
	if (previous && previous !== hash) snapshot.keysByHash.delete(previous);
	snapshot.keysByHash.set(hash, key);
	snapshot.keyHashById.set(key.id, hash);
}

export function dropKey(snapshot: Snapshot, id: number): void {
	const hash = snapshot.keyHashById.get(id);
	if (hash) snapshot.keysByHash.delete(hash);
	snapshot.keyHashById.delete(id);
}

function toKey(row: ApiKey): KeyState {
	return {
		id: row.id,
		userId: row.userId,
		name: row.name,
		status: row.status,
		expiresAt: row.expiresAt?.getTime() ?? null,
		allowedModels: row.allowedModels.length ? new Set(row.allowedModels) : null,
		ipAllowed: compileAllowList(row.allowedIps),
		quotaLimit: row.quotaLimit,
		usedQuota: row.usedQuota,
		rpmLimit: row.rpmLimit,
		tpmLimit: row.tpmLimit,
		group: row.group
	};
}

function toUser(row: typeof users.$inferSelect): UserState {
	return {
		id: row.id,
		username: row.username,
		role: row.role,
		status: row.status,
		group: row.group,
		quota: row.quota,
		usedQuota: row.usedQuota,
		balanceVersion: row.balanceVersion
	};
}

function toGroup(row: typeof groups.$inferSelect): GroupState {
	return { name: row.name, ratio: row.ratio };
}

function toPrice(row: typeof modelPrices.$inferSelect): PriceState {
	return {
		model: row.model,
		modelRatio: row.modelRatio,
		completionRatio: row.completionRatio,
		cacheReadRatio: row.cacheReadRatio,
		cacheWriteRatio: row.cacheWriteRatio,
		pricePerRequestUsd: row.pricePerRequestUsd,
		defaultOutputReserve: row.defaultOutputReserve
	};
}

export function toChannel(row: Channel, keys: ChannelKey[], secrets: SecretBox): ChannelState {
	return {
		id: row.id,
		type: row.type,
		name: row.name,
		baseUrl: normalizeBaseUrl(row.baseUrl),
		models: new Set(row.models),
		modelMapping: new Map(Object.entries(row.modelMapping)),
		groups: new Set(row.groups),
		priority: row.priority,
		weight: row.weight,
		enabled: row.status === 'enabled',
		config: row.config,
		keys: keys.map((k) => ({ id: k.id, secret: secrets.decrypt(k.secretEncrypted) })),
		createdAt: row.createdAt.getTime(),
		loadedAt: Date.now()
	};
}
