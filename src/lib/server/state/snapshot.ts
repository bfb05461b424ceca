import type { UserRole } from '../db/schema';
import type { Options } from '../options/definitions';

/** An API key as the relay sees it: everything needed to authorize a call without a query. */
export interface KeyState {
	id: number;
	userId: number;
	name: string;
	status: 'active' | 'disabled';
	/** Epoch ms, or null for no expiry. */
	expiresAt: number | null;
	/** Null = every model of the owner's group. */
	allowedModels: ReadonlySet<string> | null;
	/** Precompiled IP allow-list; always true when the key has none. */
	ipAllowed: (ip: string) => boolean;
	quotaLimit: number | null;
	usedQuota: number;
	rpmLimit: number | null;
	tpmLimit: number | null;
	/** Routes and prices the key's calls in this group instead of the owner's (null = the owner's). */
	group: string | null;
}

export interface UserState {
	id: number;
	username: string;
	role: UserRole;
	status: 'active' | 'disabled';
	group: string;
	/** Balance in quota units as of the last flush or NOTIFY. */
	quota: number;
	usedQuota: number;
	/** The database's balance version these two come from (higher = fresher). */
	balanceVersion: number;
}

export interface ChannelKeyState {
	id: number;
	secret: string;
}

export interface ChannelState {
	id: number;
	type: string;
	name: string;
	/** Normalised once at load: no trailing slash, "/v1" added to a bare host. */
	baseUrl: string;
	models: ReadonlySet<string>;
	modelMapping: ReadonlyMap<string, string>;
	groups: ReadonlySet<string>;
	priority: number;
	weight: number;
	enabled: boolean;
	config: Readonly<Record<string, unknown>>;
	/** Enabled upstream secrets, decrypted. */
	keys: readonly ChannelKeyState[];
	createdAt: number;
	/** When this entry was loaded (keys found bad before it are back in the database's hands). */
	loadedAt: number;
}

export interface GroupState {
	name: string;
	ratio: number;
}

export interface PriceState {
	model: string;
	modelRatio: number;
	completionRatio: number;
	cacheReadRatio: number | null;
	cacheWriteRatio: number | null;
	pricePerRequestUsd: number | null;
	defaultOutputReserve: number;
}

/** Channels that may serve (group, public model), in priority tiers, highest first. */
export type RouteTable = ReadonlyMap<string, ReadonlyMap<string, readonly (readonly ChannelState[])[]>>;

export interface Snapshot {
	keysByHash: Map<string, KeyState>;
	/** key id -> hash, to find a key's entry when it changes. */
	keyHashById: Map<number, string>;
	users: Map<number, UserState>;
	groups: Map<string, GroupState>;
	channels: Map<number, ChannelState>;
	routes: RouteTable;
	prices: Map<string, PriceState>;
	options: Options;
	loadedAt: number;
}

/** Builds the (group, model) -> priority tiers index from the enabled channels. */
export function buildRoutes(channels: Iterable<ChannelState>): RouteTable {
	const byGroup = new Map<string, Map<string, ChannelState[]>>();
	for (const channel of channels) {
		if (!channel.enabled || channel.keys.length === 0) continue;
		for (const group of channel.groups) {
			let byModel = byGroup.get(group);
			if (!byModel) byGroup.set(group, (byModel = new Map()));
			for (const model of channel.models) {
				const list = byModel.get(model);
				if (list) list.push(channel);
				else byModel.set(model, [channel]);
			}
		}
	}
	const routes = new Map<string, Map<string, ChannelState[][]>>();
	for (const [group, byModel] of byGroup) {
		const tiersByModel = new Map<string, ChannelState[][]>();
		for (const [model, list] of byModel) tiersByModel.set(model, priorityTiers(list));
		routes.set(group, tiersByModel);
	}
	return routes;
}

function priorityTiers(channels: ChannelState[]): ChannelState[][] {
	const byPriority = new Map<number, ChannelState[]>();
	for (const c of channels) {
		const tier = byPriority.get(c.priority);
		if (tier) tier.push(c);
		else byPriority.set(c.priority, [c]);
	}
	return [...byPriority.entries()].sort((a, b) => b[0] - a[0]).map(([, tier]) => tier);
}

/**
 * "https://api.openai.com" and "https://api.openai.com/v1" mean the same upstream: a bare
 * host gets "/v1"; any other path (".../api/v1", ".../v1beta/openai") is kept as given.
 */
export function normalizeBaseUrl(raw: string): string {
	const url = new URL(raw.trim());
	const path = url.pathname.replace(/\/+$/, '');
	return `${url.origin}${path === '' ? '/v1' : path}`;
}
