import { afterEach, describe, expect, test, vi } from 'vitest';
import { relayRefusals, relayRefusalsSuppressed } from '../observability/relay-metrics';
import { channelState } from '../testing/channel-state';
import { callInput, relayWorld, type WorldOptions } from '../testing/fake-call';
import { proxyCall } from './call';
import { RelayError } from './errors';
import { RefusalLimiter } from './refusals';

const chat = (model = 'm') => ({ model, messages: [{ role: 'user', content: 'hi' }] });

describe('RefusalLimiter', () => {
	test('lets `limit` refusals per key per window through, then counts the rest as folded', () => {
		const limiter = new RefusalLimiter(60_000);
		const t0 = 1_000_000;
		expect([0, 1, 2].map((i) => limiter.admit(7, t0 + i, 3))).toEqual([0, 0, 0]);
		expect([3, 4].map((i) => limiter.admit(7, t0 + i, 3))).toEqual([-1, -1]);
		// Still in the window: still over.
		expect(limiter.admit(7, t0 + 59_999, 3)).toBe(-1);
		// A new window: the first row carries the three folded since the last one, the next none.
		expect(limiter.admit(7, t0 + 60_000, 3)).toBe(3);
		expect(limiter.admit(7, t0 + 60_001, 3)).toBe(0);
	});

	test('keys are limited apart', () => {
		const limiter = new RefusalLimiter(1000);
		expect(limiter.admit(1, 0, 1)).toBe(0);
		expect(limiter.admit(1, 1, 1)).toBe(-1);
		expect(limiter.admit(2, 2, 1)).toBe(0);
		expect(limiter.admit(2, 3, 1)).toBe(-1);
		expect(limiter.admit(1, 1000, 1)).toBe(1);
	});

	test('a limit of 0 writes nothing; a clock that goes back starts a new window', () => {
		const limiter = new RefusalLimiter(1000);
		expect(limiter.admit(1, 500, 0)).toBe(-1);
		expect(limiter.admit(1, 501, 0)).toBe(-1);
		expect(limiter.admit(1, 502, 1)).toBe(2);
		expect(limiter.admit(1, 503, 1)).toBe(-1);
		expect(limiter.admit(1, 10, 1)).toBe(1);
	});

	test('memory: idle keys are dropped once thousands are tracked, keys with folded refusals kept', () => {
		const limiter = new RefusalLimiter(1000);
		limiter.admit(0, 0, 1);
		limiter.admit(0, 1, 1); // key 0 has one folded refusal to carry
		for (let id = 1; id < 4096; id++) limiter.admit(id, 0, 1);
		expect(limiter.size).toBe(4096);
		limiter.admit(5000, 2000, 1);
		expect(limiter.size).toBe(2);
		expect(limiter.admit(0, 2001, 1)).toBe(1);
	});
});

describe('proxyCall records refusals', () => {
	afterEach(() => {
		vi.useRealTimers();
	});

	async function refusedCall(over: WorldOptions, body: unknown = chat()) {
		const world = relayWorld(over);
		const input = callInput(world, body);
		const err = await proxyCall(input).then(
			() => undefined,
			(e: unknown) => e
		);
		if (!(err instanceof RelayError)) throw new Error(`expected a refusal, got ${String(err)}`);
		return { world, err, entries: world.ledger.entries };
	}

	test('a disabled key: one cost-0 row with its code, before the body is read (no model), nothing held', async () => {
		const before = relayRefusals.value(['key_disabled', '403']);
		const { world, err, entries } = await refusedCall({ key: { status: 'disabled' } });
		expect(err.status).toBe(403);
		expect(entries).toHaveLength(1);
		expect(entries[0]).toMatchObject({
			requestId: 'req-1',
			userId: world.user.id,
			apiKeyId: world.key.id,
			channelId: null,
			model: '',
			door: 'chat',
			status: 403,
			errorCode: 'key_disabled',
			error: 'This API key is disabled.',
			cost: 0,
			attempts: 0,
			repeatCount: 0,
			clientIp: '127.0.0.1'
		});
		expect(world.ctx.wallet.heldByUser(world.user.id)).toBe(0);
		expect(relayRefusals.value(['key_disabled', '403'])).toBe(before + 1);
		// A refusal is not settled: the entry point counts it in the request metrics once.
		expect(err.settled).toBe(false);
	});

	test.each([
		['an expired key', { key: { expiresAt: 1 } }, chat(), 403, 'key_expired', ''],
		['a disabled owner', { user: { status: 'disabled' as const } }, chat(), 403, 'account_disabled', ''],
		['an address outside the allow-list', { key: { ipAllowed: () => false } }, chat(), 403, 'ip_not_allowed', ''],
		['a key over its RPM', { key: { rpmLimit: 0 } }, chat(), 429, 'rate_limit_exceeded', ''],
		['a model outside the allow-list', { key: { allowedModels: new Set(['other']) } }, chat('m'), 403, 'model_not_allowed', 'm'],
		['an unknown model', {}, chat('no-such-model'), 404, 'model_not_found', 'no-such-model'],
		['an unpriced model', { priced: [] }, chat('m'), 403, 'model_not_priced', 'm'],
		['a balance that cannot cover it', { user: { quota: 0 } }, chat('m'), 429, 'insufficient_quota', 'm'],
		['a body without a model', {}, { messages: [] }, 400, 'missing_model', '']
	])('%s: a row with status %s', async (_what, over, body, status, code, model) => {
		const { world, entries } = await refusedCall(over, body);
		expect(entries).toHaveLength(1);
		expect(entries[0]).toMatchObject({ status, errorCode: code, model, cost: 0, attempts: 0, channelId: null });
		expect(world.ctx.wallet.heldByUser(world.user.id)).toBe(0);
	});

	test('the ledger behind on billing: the 503 is logged too, within the limit', async () => {
		const world = relayWorld();
		world.ledger.full = true;
		await expect(proxyCall(callInput(world, chat()))).rejects.toMatchObject({ status: 503, code: 'overloaded' });
		expect(world.ledger.entries).toMatchObject([{ status: 503, errorCode: 'overloaded', cost: 0 }]);
	});

	test('a storm: at most relay.refusal_logs_per_minute rows per key, the rest counted and folded into the next row', async () => {
		vi.useFakeTimers({ toFake: ['Date'] });
		vi.setSystemTime(1_800_000_000_000);
		const world = relayWorld({ key: { status: 'disabled' }, options: { 'relay.refusal_logs_per_minute': 3 } });
		const suppressed = relayRefusalsSuppressed.value([]);
		for (let i = 0; i < 10; i++) await proxyCall(callInput(world, chat())).catch(() => {});
		expect(world.ledger.entries).toHaveLength(3);
		expect(relayRefusalsSuppressed.value([])).toBe(suppressed + 7);
		vi.setSystemTime(1_800_000_060_000);
		await proxyCall(callInput(world, chat())).catch(() => {});
		expect(world.ledger.entries).toHaveLength(4);
		expect(world.ledger.entries.map((e) => e.repeatCount)).toEqual([0, 0, 0, 7]);
	});

	test('a call past the hold is settled by failover once, with its code, not recorded again as a refusal', async () => {
		// The one channel is of a type no adaptor serves: nothing is tried, and failover ends the call with 503.
		const world = relayWorld({ channels: [channelState(1, { type: 'no-such-type' })] });
		await expect(proxyCall(callInput(world, chat()))).rejects.toMatchObject({ status: 503, code: 'no_available_channel', settled: true });
		expect(world.ledger.entries).toMatchObject([{ status: 503, errorCode: 'no_available_channel', attempts: 0, cost: 0, model: 'm' }]);
		expect(world.ctx.wallet.heldByUser(world.user.id)).toBe(0);
	});
});
