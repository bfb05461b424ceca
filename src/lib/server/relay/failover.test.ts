import { describe, expect, test } from 'vitest';
import type { UpstreamFailure } from '../providers/types';
import { channelState } from '../testing/channel-state';
import { fakeCall, relayWorld } from '../testing/fake-call';
import type { Outcome, Target } from './attempt';
import type { Call } from './call';
import { RelayError } from './errors';
import { failover } from './failover';

const answered = (): Outcome => ({ kind: 'answered', streaming: false, response: new Response('ok') });
const failing = (failure: UpstreamFailure): Outcome => ({ kind: 'failed', failure });

/** An attempt stage that answers from a script and remembers which channel and key it was given. */
function scripted(...outcomes: Outcome[]) {
	const tried: Array<[channel: number, key: number]> = [];
	const tryOnce = async (call: Call, target: Target): Promise<Outcome> => {
		tried.push([target.channel.id, target.key.id]);
		const next = outcomes.shift() ?? answered();
		// An answering attempt settles its call, as deliver does.
		if (next.kind === 'answered') call.end({ status: 200 });
		return next;
	};
	return { tried, tryOnce };
}

async function thrownBy(p: Promise<unknown>): Promise<RelayError> {
	const err = await p.then(() => undefined, (e: unknown) => e);
	if (!(err instanceof RelayError)) throw new Error(`expected a RelayError, got ${String(err)}`);
	return err;
}

const twoChannels = () => relayWorld({ channels: [channelState(1, { priority: 2 }), channelState(2, { priority: 1 })] });

describe('failover', () => {
	test('a retryable failure moves on to the next channel; the answer comes from it', async () => {
		const world = twoChannels();
		const call = fakeCall(world, {}, { reserved: 500 });
		const { tried, tryOnce } = scripted(failing({ kind: 'retry', status: 500, message: 'boom' }));
		const response = await failover(call, [...world.snap.channels.values()], tryOnce);
		expect(await response.text()).toBe('ok');
		expect(tried.map(([c]) => c)).toEqual([1, 2]);
		expect(call.record).toMatchObject({ attempts: 2, channelId: 2 });
		expect(world.ledger.entries).toHaveLength(1);
	});

	test('a refused key gives the same channel its next key, and the key is reported for disabling', async () => {
		const channel = channelState(1, { keys: [{ id: 11, secret: 'a' }, { id: 12, secret: 'b' }] });
		const world = relayWorld({ channels: [channel] });
		const persisted: unknown[] = [];
		world.ctx.persistHealth = (actions) => persisted.push(...actions);
		const { tried, tryOnce } = scripted(failing({ kind: 'bad-key', status: 401, message: 'bad key' }));
		await failover(fakeCall(world), [channel], tryOnce);
		expect(tried).toEqual([
			[1, 11],
			[1, 12]
		]);
		expect(persisted).toEqual([expect.objectContaining({ kind: 'disable-key', keyId: 11 })]);
	});

	test("a client's own mistake stops at once and passes through; the call is settled with it", async () => {
		const world = twoChannels();
		const call = fakeCall(world, {}, { reserved: 500 });
		const { tried, tryOnce } = scripted(failing({ kind: 'client', status: 400, message: 'bad field', code: 'invalid_request', type: 'invalid_request_error' }));
		const err = await thrownBy(failover(call, [...world.snap.channels.values()], tryOnce));
		expect(err).toMatchObject({ status: 400, settled: true });
		expect(tried).toHaveLength(1);
		expect(world.ledger.entries).toEqual([expect.objectContaining({ status: 400, cost: 0, error: 'channel 1: 400 bad field' })]);
		expect(world.ctx.wallet.heldByUser(world.user.id)).toBe(0);
	});

	test('retry_count bounds the attempts; the final error sums them up in the log row', async () => {
		const world = relayWorld({ channels: [1, 2, 3].map((id) => channelState(id)), options: { 'relay.retry_count': 1 } });
		const { tried, tryOnce } = scripted(failing({ kind: 'retry', status: 503, message: 'a' }), failing({ kind: 'retry', status: 500, message: 'b' }));
		const err = await thrownBy(failover(fakeCall(world), [...world.snap.channels.values()], tryOnce));
		expect(tried).toHaveLength(2);
		expect(err.status).toBe(502);
		expect(world.ledger.entries[0]?.error).toMatch(/^channel \d: 503 a; channel \d: 500 b$/);
	});

	test('a client gone before any answer is a 499, settled at no cost, its hold given back', async () => {
		const world = twoChannels();
		const call = fakeCall(world, {}, { reserved: 500 });
		const response = await failover(call, [...world.snap.channels.values()], async () => ({ kind: 'client-gone' }));
		expect(response.status).toBe(499);
		expect(world.ledger.entries).toEqual([expect.objectContaining({ status: 499, cost: 0 })]);
		expect(world.ctx.wallet.heldByUser(world.user.id)).toBe(0);
	});

	test('no channel able to serve is a 503 no_available_channel, still logged', async () => {
		const world = relayWorld({ channels: [channelState(1, { type: 'no-such-type' })] });
		const err = await thrownBy(failover(fakeCall(world), [...world.snap.channels.values()], scripted().tryOnce));
		expect(err).toMatchObject({ status: 503, code: 'no_available_channel' });
		expect(world.ledger.entries).toHaveLength(1);
	});

	test('an attempt that throws (a bug) still settles the call as 500 and frees its hold', async () => {
		const world = relayWorld();
		const call = fakeCall(world, {}, { reserved: 500 });
		const boom = async (): Promise<Outcome> => {
			throw new Error('bug');
		};
		await expect(failover(call, [...world.snap.channels.values()], boom)).rejects.toThrow('bug');
		expect(world.ledger.entries).toEqual([expect.objectContaining({ status: 500 })]);
		expect(world.ctx.wallet.heldByUser(world.user.id)).toBe(0);
	});
});
