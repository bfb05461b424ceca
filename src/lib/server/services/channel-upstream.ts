import { and, eq, inArray, isNull } from 'drizzle-orm';
import { m } from '../../paraglide/messages';
import { channelBatchInput, channelDraft, channelDraftTest } from '../../schemas/channels';
import { channels } from '../db/schema';
import { balanceProviderOf, balanceSteps, type Balance } from '../providers/balance';
import { modelListerFor } from '../providers/model-list';
import { adaptorFor, hasAdaptor } from '../providers/registry';
import { runChannelTest, type ChannelTestResult } from '../relay/channel-test';
import { readUpstreamBalance, readUpstreamModels, UpstreamReadError, type UpstreamProblem } from '../relay/channel-upstream';
import { normalizeBaseUrl, type ChannelState } from '../state/snapshot';
import { requireAdmin, type Actor } from './actor';
import { keyToTest, loadTestableChannel, testChannel, type TestableChannel } from './channel-health';
import { checkBaseUrlHost, deleteChannel, parseChannelConfig, setChannelEnabled, unsupportedType } from './channels';
import type { ServiceContext } from './context';
import { fieldError, parseInput, say, ServiceError, type Localized } from './errors';
import { withChanges } from './notify';

/**
 * What an admin asks of an upstream besides calls (docs/channels.md): its model list and its
 * account balance, a test of settings not saved yet, and the list's batch actions. Upstream
 * answers come back as results, not errors: `error` says what went wrong in words.
 */

/** An upstream read's failure in words (English for the API, the page's language on a page). */
export function describeUpstreamProblem(problem: UpstreamProblem): Localized {
	switch (problem.kind) {
		case 'http':
			return problem.message ? say(m.channels_upstream_http, { status: problem.status, message: problem.message }) : say(m.channels_upstream_http_bare, { status: problem.status });
		case 'timeout':
			return say(m.channels_upstream_timeout, { seconds: problem.seconds });
		case 'unreachable':
			return say(m.channels_upstream_unreachable, {});
		case 'unreadable':
			return say(m.channels_upstream_unreadable, {});
		case 'too-many':
			return say(m.channels_upstream_too_many, {});
	}
}

interface Draft {
	type: string;
	/** The snapshot's shape, built from the draft (never put in the snapshot). */
	state: ChannelState;
	/** The key to use: the first one given, else the saved channel's. */
	secret: string | undefined;
}

function storedSecretFor(masked: string, saved: TestableChannel | undefined): string {
	const match = saved?.keys.find((k) => k.row.secretHint === masked);
	if (!match) throw fieldError('invalid_request', 'keys', say(m.channels_err_masked_key, {}));
	return match.secret;
}

/** Draft settings as a channel the adaptors can work with, checked as saving would check them. */
async function resolveDraft(ctx: ServiceContext, input: ReturnType<typeof channelDraft.parse>): Promise<Draft> {
	const saved = input.channelId === undefined ? undefined : await loadTestableChannel(ctx, input.channelId);
	const type = input.type ?? saved?.row.type;
	if (!type) throw fieldError('invalid_request', 'type', say(m.channels_v_type, {}));
	if (!hasAdaptor(type)) throw unsupportedType(type);
	const sameType = saved?.row.type === type;
	const baseUrl = input.baseUrl ?? (sameType ? saved?.row.baseUrl : undefined) ?? adaptorFor(type)?.defaultBaseUrl;
	if (!baseUrl) throw fieldError('invalid_request', 'baseUrl', say(m.channels_v_base_url, {}));
	await checkBaseUrlHost(baseUrl);
	const config = parseChannelConfig(type, input.config ?? (sameType ? saved?.row.config : undefined) ?? {}) ?? {};
	const given = input.keys?.[0];
	const secret = given === undefined ? (saved ? keyToTest(saved)?.secret : undefined) : given.includes('…') ? storedSecretFor(given, saved) : given;
	const models = input.models ?? saved?.row.models ?? [];
	const mapping = input.modelMapping ?? (sameType ? saved?.row.modelMapping : undefined) ?? {};
	const now = Date.now();
	return {
		type,
		secret,
		state: {
			id: saved?.row.id ?? 0,
			type,
			name: saved?.row.name ?? '',
			baseUrl: normalizeBaseUrl(baseUrl),
			models: new Set(models),
			modelMapping: new Map(Object.entries(mapping)),
			groups: new Set(),
			priority: 0,
			weight: 1,
			enabled: true,
			config,
			keys: secret === undefined ? [] : [{ id: 0, secret }],
			createdAt: now,
			loadedAt: now
		}
	};
}

const noKey = () => fieldError('invalid_request', 'keys', say(m.channels_draft_no_key, {}));

export interface UpstreamModels {
	ok: boolean;
	/** Sorted, without repeats. */
	models: string[];
	/** The upstream's HTTP status when it refused; 0 when it did not answer or was not asked. */
	status: number;
	error: Localized | null;
}

/** POST /api/channels/models: the models the upstream lists for these settings (nothing is written). */
export async function listUpstreamModels(ctx: ServiceContext, actor: Actor, input: unknown, timeoutMs: number): Promise<UpstreamModels> {
	requireAdmin(actor);
	const draft = await resolveDraft(ctx, parseInput(channelDraft, input ?? {}));
	if (draft.secret === undefined) throw noKey();
	const lister = modelListerFor(draft.type, draft.state, draft.secret);
	if ('unsupported' in lister) {
		return { ok: false, models: [], status: 0, error: say(lister.unsupported === 'vertex' ? m.channels_models_vertex : m.channels_models_unsupported, {}) };
	}
	try {
		return { ok: true, models: await readUpstreamModels(lister, timeoutMs), status: 200, error: null };
	} catch (err) {
		if (!(err instanceof UpstreamReadError)) throw err;
		return { ok: false, models: [], status: err.problem.kind === 'http' ? err.problem.status : 0, error: describeUpstreamProblem(err.problem) };
	}
}

/** POST /api/channels/draft-test: one real call with the draft settings; nothing is written. */
export async function testDraftChannel(ctx: ServiceContext, actor: Actor, input: unknown, timeoutMs: number): Promise<ChannelTestResult> {
	requireAdmin(actor);
	const parsed = parseInput(channelDraftTest, input ?? {});
	const draft = await resolveDraft(ctx, parsed);
	if (draft.secret === undefined) throw noKey();
	if (parsed.model !== undefined && draft.state.models.size > 0 && !draft.state.models.has(parsed.model)) {
		throw fieldError('invalid_request', 'model', say(m.channels_err_model_not_listed, { model: parsed.model }));
	}
	// A model to test that the draft does not list yet is tested as it is named.
	const state = parsed.model !== undefined && draft.state.models.size === 0 ? { ...draft.state, models: new Set([parsed.model]) } : draft.state;
	return runChannelTest(state, { id: 0, secret: draft.secret }, { model: parsed.model, timeoutMs });
}

export interface BalanceCheck {
	ok: boolean;
	/** Whether the provider publishes a balance API at all. */
	available: boolean;
	balance: Balance | null;
	checkedAt: Date | null;
	error: Localized | null;
}

/** POST /api/channels/{id}/balance: asks the provider and keeps the answer (or why there is none) with the channel. */
export async function checkChannelBalance(ctx: ServiceContext, actor: Actor, id: number, timeoutMs: number): Promise<BalanceCheck> {
	requireAdmin(actor);
	const channel = await loadTestableChannel(ctx, id);
	const provider = balanceProviderOf(channel.row.type, channel.row.baseUrl);
	if (!provider) return { ok: false, available: false, balance: null, checkedAt: null, error: say(m.channels_balance_unavailable, {}) };
	await checkBaseUrlHost(channel.row.baseUrl);
	const key = keyToTest(channel);
	let balance: Balance | undefined;
	let error: Localized | null = null;
	if (!key) error = say(m.channels_test_no_key, {});
	else {
		try {
			balance = await readUpstreamBalance(balanceSteps(provider, normalizeBaseUrl(channel.row.baseUrl), key.secret), timeoutMs);
			if (!balance) error = say(m.channels_balance_no_limit, {});
		} catch (err) {
			if (!(err instanceof UpstreamReadError)) throw err;
			error = describeUpstreamProblem(err.problem);
		}
	}
	const checkedAt = new Date();
	// A failed check keeps the last amount known, with why this one failed beside it.
	await withChanges(ctx.db, async (tx) => {
		await tx
			.update(channels)
			.set(
				balance
					? { balanceAmount: balance.amount, balanceCurrency: balance.currency, balanceCheckedAt: checkedAt, balanceError: null }
					: { balanceCheckedAt: checkedAt, balanceError: error?.({ locale: 'en' }) ?? null }
			)
			.where(eq(channels.id, id));
		return { result: undefined, changes: [{ kind: 'channel', id }] };
	});
	return { ok: balance !== undefined, available: true, balance: balance ?? null, checkedAt, error };
}

export interface BatchItem {
	id: number;
	name: string | null;
	ok: boolean;
	error: Localized | null;
	/** For `test`. */
	test?: ChannelTestResult;
	/** For `balance`. */
	balance?: Balance | null;
}

/** Runs `work` over `items`, a few at a time, in the items' order. */
async function inTurns<T, R>(items: T[], concurrency: number, work: (item: T) => Promise<R>): Promise<R[]> {
	const out = new Array<R>(items.length);
	let next = 0;
	const worker = async () => {
		while (next < items.length) {
			const i = next++;
			out[i] = await work(items[i]!);
		}
	};
	await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
	return out;
}

/**
 * POST /api/channels/batch: one action on each chosen channel, each exactly as the single
 * action does it (same checks, same audit entry); one channel's refusal does not stop the rest.
 */
export async function batchChannels(ctx: ServiceContext, actor: Actor, input: unknown, timeoutMs: number): Promise<BatchItem[]> {
	requireAdmin(actor);
	const { action, ids: given, reason } = parseInput(channelBatchInput, input);
	const ids = [...new Set(given)];
	const names = new Map(
		(await ctx.db.select({ id: channels.id, name: channels.name }).from(channels).where(and(inArray(channels.id, ids), isNull(channels.deletedAt)))).map((r) => [r.id, r.name])
	);
	const one = async (id: number): Promise<BatchItem> => {
		const item: BatchItem = { id, name: names.get(id) ?? null, ok: true, error: null };
		try {
			if (action === 'enable' || action === 'disable') await setChannelEnabled(ctx, actor, id, action === 'enable', reason || undefined);
			else if (action === 'delete') await deleteChannel(ctx, actor, id);
			else if (action === 'test') {
				item.test = await testChannel(ctx, actor, id, {}, timeoutMs);
				item.ok = item.test.ok;
			} else {
				const check = await checkChannelBalance(ctx, actor, id, timeoutMs);
				item.ok = check.ok;
				item.balance = check.balance;
				item.error = check.error;
			}
		} catch (err) {
			if (!(err instanceof ServiceError)) throw err;
			return { ...item, ok: false, error: (o) => (o?.locale === 'en' ? err.message : err.localizedMessage()) };
		}
		return item;
	};
	// Upstream calls go a few at a time; writes one after the other.
	return inTurns(ids, action === 'test' || action === 'balance' ? 4 : 1, one);
}
