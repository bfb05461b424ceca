import { and, desc, eq, ilike, isNull, or, sql } from 'drizzle-orm';
import * as z from 'zod';
import { channelCreate, channelTimeouts, channelUpdate } from '../../schemas/channels';
import type { Page, PageQuery } from '../../schemas/common';
import type { DbLike } from '../db';
import { channelKeys, channels, groups, type Channel, type ChannelKey } from '../db/schema';
import { m } from '../../paraglide/messages';
import { adaptorFor, hasAdaptor } from '../providers/registry';
import type { ChannelHealthView } from '../relay/health';
import { maskSecret, type SecretBox } from '../security/crypto';
import { checkChannelHost } from '../security/outbound';
import { requireAdmin, requireReader, type Actor } from './actor';
import { writeAudit } from './audit';
import type { ServiceContext } from './context';
import { fieldError, issuePath, parseInput, say, ServiceError } from './errors';
import { withChanges } from './notify';

export interface ChannelKeyView {
	id: number;
	/** Masked secret; sending it back unchanged keeps the stored one. */
	hint: string;
	enabled: boolean;
	disableKind: 'manual' | 'automatic' | null;
	disableReason: string | null;
	disabledAt: Date | null;
}

export type ChannelView = Omit<Channel, 'deletedAt'> & { keys: ChannelKeyView[]; health: ChannelHealthView | null };

function view(ctx: ServiceContext, row: Channel, keys: ChannelKey[]): ChannelView {
	const { deletedAt: _deleted, ...rest } = row;
	return {
		...rest,
		keys: keys.map((k) => ({
			id: k.id,
			hint: k.secretHint,
			enabled: k.status === 'enabled',
			disableKind: k.disableKind,
			disableReason: k.disableReason,
			disabledAt: k.disabledAt
		})),
		health: ctx.channelHealth?.(row.id) ?? null
	};
}

/** What the audit log keeps of a channel: no live health, which is no change of anyone's. */
function audited({ health: _health, ...rest }: ChannelView): Omit<ChannelView, 'health'> {
	return rest;
}

/** "Channel not found", in the page's language on a page. */
export const channelNotFound = () => new ServiceError('not_found', say(m.channels_err_not_found, {}));

async function liveChannel(db: DbLike, id: number): Promise<Channel> {
	const [row] = await db.select().from(channels).where(and(eq(channels.id, id), isNull(channels.deletedAt)));
	if (!row) throw channelNotFound();
	return row;
}

async function keysOf(db: DbLike, channelId: number): Promise<ChannelKey[]> {
	return db.select().from(channelKeys).where(eq(channelKeys.channelId, channelId)).orderBy(channelKeys.id);
}

const savedSchemas = new Map<string, z.ZodType<Record<string, unknown>>>();

/**
 * A type's config schema as saving applies it: its own fields and the relay's `timeouts`, and
 * nothing else, so a misspelt setting is refused by name instead of being kept and ignored.
 * (Reading a stored config stays lenient: the adaptors parse what they know.)
 */
function savedConfigSchema(type: string): z.ZodType<Record<string, unknown>> | undefined {
	const known = savedSchemas.get(type);
	if (known) return known;
	const schema = adaptorFor(type)?.configSchema;
	if (!schema) return undefined;
	const strict = schema instanceof z.ZodObject ? z.strictObject({ ...schema.shape, timeouts: channelTimeouts.optional() }) : schema;
	savedSchemas.set(type, strict);
	return strict;
}

/**
 * A config as saving stores it: the type's own schema applied (defaults filled in), unknown
 * keys refused by name. Undefined for a type without an adaptor.
 */
export function parseChannelConfig(type: string, config: unknown): Record<string, unknown> | undefined {
	const schema = savedConfigSchema(type);
	if (!schema) return undefined;
	const parsed = schema.safeParse(config ?? {});
	if (parsed.success) return parsed.data;
	const issue = parsed.error.issues[0];
	const path = issuePath(issue, ['config']);
	throw fieldError('invalid_request', path, `${issue?.message ?? 'invalid'} (for a ${type} channel)`);
}

/** The refusal of a base URL whose host is, or resolves to, a cloud metadata address. */
export async function checkBaseUrlHost(baseUrl: string): Promise<void> {
	const host = new URL(baseUrl).hostname;
	const problem = await checkChannelHost(host);
	if (problem) throw fieldError('invalid_request', 'baseUrl', say(m.channels_err_metadata_host, { host: host.replace(/^\[|\]$/g, '') }));
}

/** "x" is not a channel type this gateway has an adaptor for. */
export const unsupportedType = (type: string) => fieldError('invalid_request', 'type', say(m.channels_err_unsupported_type, { type }));

/**
 * Checks what the generic schema cannot: the type has an adaptor and the config fits that
 * type's own schema, groups exist, mappings map listed models, the host is allowed. Returns
 * the config to store (with the type's defaults filled in) when the type or config changes.
 */
async function validateChannel(
	db: DbLike,
	data: { type?: string; baseUrl?: string; groups?: string[]; models?: string[]; modelMapping?: Record<string, string>; config?: Record<string, unknown> },
	current?: Channel
): Promise<Record<string, unknown> | undefined> {
	if (data.type !== undefined && !hasAdaptor(data.type)) throw unsupportedType(data.type);
	let config: Record<string, unknown> | undefined;
	if (data.type !== undefined || data.config !== undefined) {
		config = parseChannelConfig(data.type ?? current?.type ?? '', data.config ?? current?.config ?? {});
	}
	if (data.baseUrl !== undefined) await checkBaseUrlHost(data.baseUrl);
	if (data.groups) {
		const known = new Set((await db.select({ name: groups.name }).from(groups)).map((g) => g.name));
		const unknown = data.groups.find((g) => !known.has(g));
		if (unknown) throw fieldError('invalid_request', 'groups', say(m.channels_err_no_group, { name: unknown }));
	}
	const models = new Set(data.models ?? current?.models ?? []);
	const mapping = data.modelMapping ?? (data.models ? current?.modelMapping : undefined) ?? {};
	const stray = Object.keys(mapping).find((name) => !models.has(name));
	if (stray) throw fieldError('invalid_request', 'modelMapping', say(m.channels_err_mapping_stray, { model: stray }));
	return config;
}

/**
 * Resolves the submitted key list against the stored keys: a masked value keeps the stored
 * secret it stands for, anything else is a new secret; stored keys not mentioned go away.
 */
export function planKeys(submitted: string[], stored: ChannelKey[]): { keep: Set<number>; add: string[] } {
	const keep = new Set<number>();
	const add: string[] = [];
	for (const value of submitted) {
		if (!value.includes('…')) {
			add.push(value);
			continue;
		}
		const match = stored.find((k) => k.secretHint === value && !keep.has(k.id));
		if (!match) {
			throw fieldError('invalid_request', 'keys', say(m.channels_err_masked_key, {}));
		}
		keep.add(match.id);
	}
	return { keep, add };
}

function sealKeys(secrets: SecretBox, channelId: number, values: string[]) {
	return values.map((secret) => ({ channelId, secretEncrypted: secrets.encrypt(secret), secretHint: maskSecret(secret) }));
}

export async function createChannel(ctx: ServiceContext, actor: Actor, input: unknown): Promise<ChannelView> {
	requireAdmin(actor);
	const data = parseInput(channelCreate, input);
	const config = await validateChannel(ctx.db, data);
	const { keys, enabled, ...fields } = data;
	return withChanges(ctx.db, async (tx) => {
		const [row] = await tx
			.insert(channels)
			.values({ ...fields, ...(config ? { config } : {}), status: enabled ? 'enabled' : 'disabled', disableKind: enabled ? null : 'manual' })
			.returning();
		if (!row) throw new Error('insert returned no row');
		const keyRows = await tx.insert(channelKeys).values(sealKeys(ctx.secrets, row.id, keys)).returning();
		const result = view(ctx, row, keyRows);
		await writeAudit(tx, actor, { action: 'channel.create', targetType: 'channel', targetId: row.id, after: audited(result) });
		return { result, changes: [{ kind: 'channel', id: row.id }] };
	});
}

export async function updateChannel(ctx: ServiceContext, actor: Actor, id: number, input: unknown): Promise<ChannelView> {
	requireAdmin(actor);
	const data = parseInput(channelUpdate, input);
	return withChanges(ctx.db, async (tx) => {
		const before = await liveChannel(tx, id);
		const config = await validateChannel(tx, data, before);
		const storedKeys = await keysOf(tx, id);
		const { keys, enabled, ...rest } = data;
		const fields = config ? { ...rest, config } : rest;
		const statusFields =
			enabled === undefined
				? {}
				: enabled
					? { status: 'enabled' as const, disableKind: null, disableReason: null, disabledAt: null }
					: { status: 'disabled' as const, disableKind: 'manual' as const, disabledAt: new Date() };
		const [row] = await tx
			.update(channels)
			.set({ ...fields, ...statusFields, updatedAt: new Date() })
			.where(eq(channels.id, id))
			.returning();
		if (!row) throw channelNotFound();
		if (keys) {
			const plan = planKeys(keys, storedKeys);
			const drop = storedKeys.filter((k) => !plan.keep.has(k.id)).map((k) => k.id);
			for (const keyId of drop) await tx.delete(channelKeys).where(eq(channelKeys.id, keyId));
			if (plan.add.length) await tx.insert(channelKeys).values(sealKeys(ctx.secrets, id, plan.add));
		}
		const result = view(ctx, row, await keysOf(tx, id));
		await writeAudit(tx, actor, {
			action: 'channel.update',
			targetType: 'channel',
			targetId: id,
			before: audited(view(ctx, before, storedKeys)),
			after: audited(result)
		});
		return { result, changes: [{ kind: 'channel', id }] };
	});
}

/** Manual enable/disable; a manual disable is never undone automatically. */
export async function setChannelEnabled(
	ctx: ServiceContext,
	actor: Actor,
	id: number,
	enabled: boolean,
	reason?: string
): Promise<ChannelView> {
	requireAdmin(actor);
	return withChanges(ctx.db, async (tx) => {
		const before = await liveChannel(tx, id);
		const [row] = await tx
			.update(channels)
			.set(
				enabled
					? { status: 'enabled', disableKind: null, disableReason: null, disabledAt: null, updatedAt: new Date() }
					: { status: 'disabled', disableKind: 'manual', disableReason: reason ?? null, disabledAt: new Date(), updatedAt: new Date() }
			)
			.where(eq(channels.id, id))
			.returning();
		if (!row) throw channelNotFound();
		if (enabled) {
			// Enabling by hand means "serve again": keys the gateway took out come back with it.
			await tx
				.update(channelKeys)
				.set({ status: 'enabled', disableKind: null, disableReason: null, disabledAt: null, updatedAt: new Date() })
				.where(and(eq(channelKeys.channelId, id), eq(channelKeys.disableKind, 'automatic')));
		}
		const keys = await keysOf(tx, id);
		await writeAudit(tx, actor, {
			action: enabled ? 'channel.enable' : 'channel.disable',
			targetType: 'channel',
			targetId: id,
			before: { status: before.status },
			after: { status: row.status, reason: row.disableReason }
		});
		return { result: view(ctx, row, keys), changes: [{ kind: 'channel', id }] };
	});
}

/** Soft delete: logs keep pointing at the row. */
export async function deleteChannel(ctx: ServiceContext, actor: Actor, id: number): Promise<void> {
	requireAdmin(actor);
	await withChanges(ctx.db, async (tx) => {
		const before = await liveChannel(tx, id);
		await tx.update(channels).set({ deletedAt: new Date(), status: 'disabled' }).where(eq(channels.id, id));
		await writeAudit(tx, actor, { action: 'channel.delete', targetType: 'channel', targetId: id, before });
		return { result: undefined, changes: [{ kind: 'channel', id }] };
	});
}

export async function getChannel(ctx: ServiceContext, actor: Actor, id: number): Promise<ChannelView> {
	requireReader(actor);
	const row = await liveChannel(ctx.db, id);
	return view(ctx, row, await keysOf(ctx.db, id));
}

export interface ChannelFilter {
	status?: 'enabled' | 'disabled';
	type?: string;
	/** A tag the channel carries (exactly). */
	tag?: string;
	/** Part of the name, a tag, or part of a model name (any case). */
	q?: string;
}

/** `%`, `_` and `\` match themselves in a LIKE pattern. */
const likeEscaped = (text: string) => text.replace(/[\\%_]/g, (c) => `\\${c}`);

export async function listChannels(ctx: ServiceContext, actor: Actor, query: PageQuery & ChannelFilter): Promise<Page<ChannelView>> {
	requireReader(actor);
	const q = query.q?.trim();
	const pattern = q ? `%${likeEscaped(q)}%` : undefined;
	const where = and(
		isNull(channels.deletedAt),
		query.status ? eq(channels.status, query.status) : undefined,
		query.type ? eq(channels.type, query.type) : undefined,
		query.tag ? sql`${query.tag} = any(${channels.tags})` : undefined,
		pattern
			? or(
					ilike(channels.name, pattern),
					sql`exists (select 1 from unnest(${channels.tags}) as t(tag) where t.tag ilike ${pattern})`,
					sql`exists (select 1 from unnest(${channels.models}) as m(model) where m.model ilike ${pattern})`
				)
			: undefined
	);
	const [rows, [count]] = await Promise.all([
		ctx.db
			.select()
			.from(channels)
			.where(where)
			.orderBy(desc(channels.priority), channels.id)
			.limit(query.perPage)
			.offset((query.page - 1) * query.perPage),
		ctx.db.select({ n: sql<number>`count(*)::int` }).from(channels).where(where)
	]);
	const keys = rows.length
		? await ctx.db
				.select()
				.from(channelKeys)
				.where(sql`${channelKeys.channelId} in ${rows.map((r) => r.id)}`)
				.orderBy(channelKeys.id)
		: [];
	const byChannel = Map.groupBy(keys, (k) => k.channelId);
	return { items: rows.map((r) => view(ctx, r, byChannel.get(r.id) ?? [])), total: count?.n ?? 0, page: query.page, perPage: query.perPage };
}

/** Every tag a live channel carries, sorted: the list filter's choices. */
export async function channelTags(ctx: ServiceContext, actor: Actor): Promise<string[]> {
	requireReader(actor);
	const rows = await ctx.db.execute<{ tag: string }>(
		sql`select distinct unnest(${channels.tags}) as tag from ${channels} where ${channels.deletedAt} is null order by 1`
	);
	return [...rows].map((r) => r.tag);
}
