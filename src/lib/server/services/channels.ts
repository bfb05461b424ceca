import { and, desc, eq, isNull, sql } from 'drizzle-orm';
import * as z from 'zod';
import { channelCreate, channelTimeouts, channelUpdate } from '../../schemas/channels';
import type { Page, PageQuery } from '../../schemas/common';
import type { DbLike } from '../db';
import { channelKeys, channels, groups, type Channel, type ChannelKey } from '../db/schema';
import { adaptorFor, hasAdaptor } from '../providers/registry';
import type { ChannelHealthView } from '../relay/health';
import { maskSecret, type SecretBox } from '../security/crypto';
import { checkChannelHost } from '../security/outbound';
import { requireAdmin, requireReader, type Actor } from './actor';
import { writeAudit } from './audit';
import type { ServiceContext } from './context';
import { fieldError, issuePath, notFound, parseInput } from './errors';
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

async function liveChannel(db: DbLike, id: number): Promise<Channel> {
	const [row] = await db.select().from(channels).where(and(eq(channels.id, id), isNull(channels.deletedAt)));
	if (!row) throw notFound('Channel');
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
 * Checks what the generic schema cannot: the type has an adaptor and the config fits that
 * type's own schema, groups exist, mappings map listed models, the host is allowed. Returns
 * the config to store (with the type's defaults filled in) when the type or config changes.
 */
async function validateChannel(
	db: DbLike,
	data: { type?: string; baseUrl?: string; groups?: string[]; models?: string[]; modelMapping?: Record<string, string>; config?: Record<string, unknown> },
	current?: Channel
): Promise<Record<string, unknown> | undefined> {
	if (data.type !== undefined && !hasAdaptor(data.type)) {
		throw fieldError('invalid_request', 'type', `"${data.type}" is not a supported channel type`);
	}
	let config: Record<string, unknown> | undefined;
	if (data.type !== undefined || data.config !== undefined) {
		const type = data.type ?? current?.type ?? '';
		const schema = savedConfigSchema(type);
		if (schema) {
			const parsed = schema.safeParse(data.config ?? current?.config ?? {});
			if (!parsed.success) {
				const issue = parsed.error.issues[0];
				const path = issuePath(issue, ['config']);
				throw fieldError('invalid_request', path, `${issue?.message ?? 'invalid'} (for a ${type} channel)`);
			}
			config = parsed.data;
		}
	}
	if (data.baseUrl !== undefined) {
		const problem = await checkChannelHost(new URL(data.baseUrl).hostname);
		if (problem) throw fieldError('invalid_request', 'baseUrl', problem);
	}
	if (data.groups) {
		const known = new Set((await db.select({ name: groups.name }).from(groups)).map((g) => g.name));
		const unknown = data.groups.find((g) => !known.has(g));
		if (unknown) throw fieldError('invalid_request', 'groups', `there is no group "${unknown}"`);
	}
	const models = new Set(data.models ?? current?.models ?? []);
	const mapping = data.modelMapping ?? (data.models ? current?.modelMapping : undefined) ?? {};
	const stray = Object.keys(mapping).find((m) => !models.has(m));
	if (stray) throw fieldError('invalid_request', 'modelMapping', `"${stray}" is not one of the channel's models`);
	return config;
}

/**
 * Resolves the submitted key list against the stored keys: a masked value keeps the stored
 * secret it stands for, anything else is a new secret; stored keys not mentioned go away.
 */
function planKeys(submitted: string[], stored: ChannelKey[]): { keep: Set<number>; add: string[] } {
	const keep = new Set<number>();
	const add: string[] = [];
	for (const value of submitted) {
		if (!value.includes('…')) {
			add.push(value);
			continue;
		}
		const match = stored.find((k) => k.secretHint === value && !keep.has(k.id));
		if (!match) {
			throw fieldError('invalid_request', 'keys', 'a masked key does not match any stored key; paste the full key instead');
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
		if (!row) throw notFound('Channel');
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
		if (!row) throw notFound('Channel');
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
}

export async function listChannels(ctx: ServiceContext, actor: Actor, query: PageQuery & ChannelFilter): Promise<Page<ChannelView>> {
	requireReader(actor);
	const where = and(
		isNull(channels.deletedAt),
		query.status ? eq(channels.status, query.status) : undefined,
		query.type ? eq(channels.type, query.type) : undefined
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
