import { and, eq, isNull, sql } from 'drizzle-orm';
import { channelTestInput } from '../../schemas/channels';
import { channelKeys, channels, type Channel, type ChannelKey } from '../db/schema';
import { runChannelTest, type ChannelTestResult } from '../relay/channel-test';
import type { HealthAction } from '../relay/health';
import { toChannel } from '../state/loader';
import type { ChannelKeyState, ChannelState } from '../state/snapshot';
import { SYSTEM, requireAdmin, type Actor } from './actor';
import { writeAudit } from './audit';
import type { ServiceContext } from './context';
import { channelNotFound } from './channels';
import { fieldError, parseInput, say } from './errors';
import { m } from '../../paraglide/messages';
import { withChanges } from './notify';

/**
 * What failures decided, persisted (called in the background by the relay): a key, or a
 * channel whose last key failed, is disabled *automatically*, with its reason and time, so
 * the prober may bring it back. Something already disabled is left alone, manual disables above all.
 */
export async function applyHealthAction(ctx: ServiceContext, action: HealthAction): Promise<boolean> {
	return withChanges(ctx.db, async (tx) => {
		const now = new Date();
		if (action.kind === 'disable-key') {
			const changed = await tx
				.update(channelKeys)
				.set({ status: 'disabled', disableKind: 'automatic', disableReason: action.reason, disabledAt: now, updatedAt: now })
				.where(and(eq(channelKeys.id, action.keyId), eq(channelKeys.status, 'enabled')))
				.returning({ id: channelKeys.id });
			if (changed.length) {
				await writeAudit(tx, SYSTEM, { action: 'channel_key.auto_disable', targetType: 'channel_key', targetId: action.keyId, after: { reason: action.reason } });
			}
			return { result: changed.length > 0, changes: changed.length ? [{ kind: 'channel', id: action.channelId }] : [] };
		}
		const changed = await tx
			.update(channels)
			.set({ status: 'disabled', disableKind: 'automatic', disableReason: action.reason, disabledAt: now, updatedAt: now })
			.where(and(eq(channels.id, action.channelId), eq(channels.status, 'enabled'), isNull(channels.deletedAt)))
			.returning({ id: channels.id });
		if (changed.length) {
			await writeAudit(tx, SYSTEM, { action: 'channel.auto_disable', targetType: 'channel', targetId: action.channelId, after: { reason: action.reason } });
		}
		return { result: changed.length > 0, changes: changed.length ? [{ kind: 'channel', id: action.channelId }] : [] };
	});
}

export interface TestableChannel {
	row: Channel;
	state: ChannelState;
	keys: Array<ChannelKeyState & { row: ChannelKey }>;
}

/** A channel with every key decrypted, disabled ones too (a test may bring them back). */
export async function loadTestableChannel(ctx: ServiceContext, id: number): Promise<TestableChannel> {
	const [row] = await ctx.db.select().from(channels).where(and(eq(channels.id, id), isNull(channels.deletedAt)));
	if (!row) throw channelNotFound();
	const keyRows = await ctx.db.select().from(channelKeys).where(eq(channelKeys.channelId, id)).orderBy(channelKeys.id);
	const keys = keyRows.map((k) => ({ id: k.id, secret: ctx.secrets.decrypt(k.secretEncrypted), row: k }));
	// The snapshot's own shape, but with the enabled keys only: a disabled one is tested on purpose.
	const state: ChannelState = { ...toChannel(row, [], ctx.secrets), keys: keys.filter((k) => k.row.status === 'enabled') };
	return { row, state, keys };
}

/**
 * Tests with one key and records the result. A success brings back what was disabled
 * automatically: the key tested, and the channel. Manual disables stay as they are.
 */
export async function testAndRecord(
	ctx: ServiceContext,
	channel: TestableChannel,
	key: ChannelKeyState & { row: ChannelKey },
	opts: { model?: string; timeoutMs: number }
): Promise<ChannelTestResult> {
	const result = await runChannelTest(channel.state, key, opts);
	await withChanges(ctx.db, async (tx) => {
		const now = new Date();
		await tx
			.update(channels)
			.set({ lastTestAt: now, lastTestLatencyMs: result.latencyMs, lastTestOk: result.ok, lastTestError: result.error })
			.where(eq(channels.id, channel.row.id));
		if (result.ok) {
			const keyBack = await tx
				.update(channelKeys)
				.set({ status: 'enabled', disableKind: null, disableReason: null, disabledAt: null, updatedAt: now })
				.where(and(eq(channelKeys.id, key.id), eq(channelKeys.disableKind, 'automatic')))
				.returning({ id: channelKeys.id });
			const channelBack = await tx
				.update(channels)
				.set({ status: 'enabled', disableKind: null, disableReason: null, disabledAt: null, updatedAt: now })
				.where(and(eq(channels.id, channel.row.id), eq(channels.disableKind, 'automatic')))
				.returning({ id: channels.id });
			if (keyBack.length || channelBack.length) {
				await writeAudit(tx, SYSTEM, {
					action: 'channel.auto_enable',
					targetType: 'channel',
					targetId: channel.row.id,
					after: { keyId: keyBack.length ? key.id : null, channel: channelBack.length > 0 }
				});
			}
		}
		return { result: undefined, changes: [{ kind: 'channel', id: channel.row.id }] };
	});
	return result;
}

/** The key a test uses: an enabled one, else one disabled automatically (the test may restore it). */
export function keyToTest(channel: TestableChannel): (ChannelKeyState & { row: ChannelKey }) | undefined {
	return channel.keys.find((k) => k.row.status === 'enabled') ?? channel.keys.find((k) => k.row.disableKind === 'automatic');
}

/** POST /api/channels/{id}/test */
export async function testChannel(ctx: ServiceContext, actor: Actor, id: number, input: unknown, timeoutMs: number): Promise<ChannelTestResult> {
	requireAdmin(actor);
	const { model } = parseInput(channelTestInput, input ?? {});
	const channel = await loadTestableChannel(ctx, id);
	if (model !== undefined && !channel.state.models.has(model)) {
		throw fieldError('invalid_request', 'model', say(m.channels_err_model_not_listed, { model }));
	}
	const key = keyToTest(channel);
	if (!key) return { ok: false, model: model ?? '', latencyMs: 0, status: 0, error: m.channels_test_no_key_manual({}, { locale: 'en' }) };
	return testAndRecord(ctx, channel, key, { model, timeoutMs });
}

/** POST /api/channels/test: every channel not disabled by hand, a few at a time. */
export async function testAllChannels(
	ctx: ServiceContext,
	actor: Actor,
	timeoutMs: number,
	concurrency = 4
): Promise<Array<ChannelTestResult & { channelId: number }>> {
	requireAdmin(actor);
	const ids = (
		await ctx.db
			.select({ id: channels.id })
			.from(channels)
			.where(and(isNull(channels.deletedAt), sql`coalesce(${channels.disableKind}::text, '') <> 'manual'`))
			.orderBy(channels.id)
	).map((r) => r.id);
	const results: Array<ChannelTestResult & { channelId: number }> = [];
	let next = 0;
	const worker = async () => {
		while (next < ids.length) {
			const id = ids[next++]!;
			const channel = await loadTestableChannel(ctx, id);
			const key = keyToTest(channel);
			const result = key
				? await testAndRecord(ctx, channel, key, { timeoutMs })
				: { ok: false, model: '', latencyMs: 0, status: 0, error: m.channels_test_no_key({}, { locale: 'en' }) };
			results.push({ channelId: id, ...result });
		}
	};
	await Promise.all(Array.from({ length: Math.min(concurrency, ids.length) }, worker));
	return results.sort((a, b) => a.channelId - b.channelId);
}

/** Channels and keys disabled automatically, with when: the prober's worklist. */
export async function automaticDisables(ctx: ServiceContext): Promise<Array<{ channelId: number; keyId: number | null; since: Date }>> {
	const chans = await ctx.db
		.select({ id: channels.id, since: channels.disabledAt })
		.from(channels)
		.where(and(isNull(channels.deletedAt), eq(channels.disableKind, 'automatic')));
	const keys = await ctx.db
		.select({ id: channelKeys.id, channelId: channelKeys.channelId, since: channelKeys.disabledAt })
		.from(channelKeys)
		.innerJoin(channels, eq(channels.id, channelKeys.channelId))
		.where(
			and(
				eq(channelKeys.disableKind, 'automatic'),
				isNull(channels.deletedAt),
				sql`coalesce(${channels.disableKind}::text, '') <> 'manual'`,
				chans.length ? sql`${channelKeys.channelId} not in ${chans.map((c) => c.id)}` : undefined
			)
		);
	return [
		...chans.map((c) => ({ channelId: c.id, keyId: null, since: c.since ?? new Date(0) })),
		...keys.map((k) => ({ channelId: k.channelId, keyId: k.id, since: k.since ?? new Date(0) }))
	];
}
