import type { LedgerEntry } from '../billing/ledger';
import { Wallet } from '../billing/wallet';
import { defaultOptions, type Options } from '../options/definitions';
import { createLogger } from '../observability/logger';
import { Call, type CallInput, type CallRequest } from '../relay/call';
import { configureRelay, type RelayContext } from '../relay/context';
import { DEFAULT_OUTPUT_RESERVE, quoteFor } from '../billing/pricing';
import { buildRoutes, type ChannelState, type KeyState, type PriceState, type Snapshot, type UserState } from '../state/snapshot';
import { channelState } from './channel-state';

/** A ledger that keeps what it is handed, for a test to read. */
export class RecordingLedger {
	readonly entries: LedgerEntry[] = [];
	full = false;
	get depth(): number {
		return this.entries.length;
	}
	push(entry: LedgerEntry): void {
		this.entries.push(entry);
	}
}

export const testPrice = (model: string): PriceState => ({
	model,
	modelRatio: 1,
	completionRatio: 1,
	cacheReadRatio: null,
	cacheWriteRatio: null,
	pricePerRequestUsd: null,
	defaultOutputReserve: DEFAULT_OUTPUT_RESERVE
});

export interface RelayWorld {
	ctx: RelayContext;
	ledger: RecordingLedger;
	snap: Snapshot;
	user: UserState;
	key: KeyState;
}

export interface WorldOptions {
	channels?: ChannelState[];
	/** Models with a price (default: "m"). */
	priced?: string[];
	user?: Partial<UserState>;
	key?: Partial<KeyState>;
	options?: Partial<Options>;
}

/**
 * A configured relay over an in-memory snapshot (one user, one key, channels given or one
 * openai channel serving "m"), with a ledger that records entries: the world a stage's unit
 * test runs in, without a database or a server.
 */
export function relayWorld(over: WorldOptions = {}): RelayWorld {
	const ledger = new RecordingLedger();
	const ctx = configureRelay({
		ledger,
		wallet: new Wallet(),
		log: createLogger('silent'),
		bodyLimit: 1 << 20,
		bodyDeadlineMs: 5_000,
		answerLimit: 1 << 20,
		trustedProxy: undefined,
		persistHealth: () => {}
	});
	const user: UserState = { id: 1, username: 'u', role: 'user', status: 'active', group: 'default', quota: 1_000_000, usedQuota: 0, balanceVersion: 0, ...over.user };
	const key: KeyState = {
		id: 1,
		userId: user.id,
		name: 'k',
		status: 'active',
		expiresAt: null,
		allowedModels: null,
		ipAllowed: () => true,
		quotaLimit: null,
		usedQuota: 0,
		rpmLimit: null,
		tpmLimit: null,
		group: null,
		...over.key
	};
	const channels = over.channels ?? [channelState(1)];
	const snap: Snapshot = {
		keysByHash: new Map([['h', key]]),
		keyHashById: new Map([[key.id, 'h']]),
		users: new Map([[user.id, user]]),
		groups: new Map(),
		channels: new Map(channels.map((c) => [c.id, c])),
		routes: buildRoutes(channels),
		prices: new Map((over.priced ?? ['m']).map((m) => [m, testPrice(m)])),
		options: { ...defaultOptions(), ...over.options },
		loadedAt: 0
	};
	return { ctx, ledger, snap, user, key };
}

/** The input of a call to `door` with `body`, as the entry point would hand it over. */
export function callInput(world: RelayWorld, body: unknown, door: CallInput['door'] = 'chat', path = '/v1/chat/completions'): CallInput {
	return {
		request: new Request(`http://gateway.test${path}`, { method: 'POST', body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }),
		door,
		caller: { key: world.key, user: world.user },
		snap: world.snap,
		requestId: 'req-1',
		clientRequestId: null,
		clientIp: '127.0.0.1',
		startedAt: Date.now(),
		headers: {}
	};
}

export interface FakeCallOptions {
	/** Held against the wallet for the call, as `reserve` would. */
	reserved?: number;
	/** The client's request signal (abort it to play a client leaving). */
	signal?: AbortSignal;
}

/** A call past admission and reservation: what the later stages are handed. */
export function fakeCall(world: RelayWorld, req: Partial<CallRequest> = {}, { reserved = 0, signal }: FakeCallOptions = {}): Call {
	const body = { model: 'm', messages: [{ role: 'user', content: 'hi' }], ...req.body?.json };
	const input = callInput(world, body);
	if (signal) input.request = new Request(input.request, { signal });
	const quote = quoteFor(world.snap, req.model ?? 'm', world.user.group);
	if (!quote) throw new Error('the test world has no price for the model');
	if (reserved > 0 && !world.ctx.wallet.reserve(world.user, world.key, reserved)) throw new Error('the test user cannot cover the reservation');
	const callReq: CallRequest = {
		body: { json: body, raw: JSON.stringify(body) },
		model: 'm',
		stream: false,
		clientWantsUsage: false,
		codec: undefined,
		canonical: body,
		prepared: new Map(),
		output: { perChoice: 0, choices: 1, impose: false },
		...req
	};
	return new Call(input, callReq, { quote, reserved });
}
