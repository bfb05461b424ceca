import { describe, expect, test } from 'vitest';
import { openaiAdaptor } from '../providers/openai';
import { anthropicAdaptor } from '../providers/anthropic';
import { codecFor } from '../doors/registry';
import { channelState } from '../testing/channel-state';
import { callInput, relayWorld } from '../testing/fake-call';
import { admit } from './admit';
import { RelayError } from './errors';
import { candidatesFor, nextKey, routeFor, servingBy } from './route';

const chat = { model: 'm', messages: [{ role: 'user', content: 'hi' }] };

describe('route', () => {
	test('candidates: the channels serving the model for the group; none is a 404 model_not_found', async () => {
		const world = relayWorld({ channels: [channelState(1), channelState(2, { models: new Set(['other']) })] });
		const input = callInput(world, chat);
		const req = await admit(input);
		expect(candidatesFor(input, req).map((c) => c.id)).toEqual([1]);
		const missing = callInput(world, { ...chat, model: 'nobody' });
		const missingReq = await admit(missing);
		let err: unknown;
		try {
			candidatesFor(missing, missingReq);
		} catch (e) {
			err = e;
		}
		expect(err).toBeInstanceOf(RelayError);
		expect((err as RelayError).code).toBe('model_not_found');
	});

	test("a key with its own group is routed in that group, not its owner's", async () => {
		const channels = [channelState(1), channelState(2, { groups: new Set(['vip']) })];
		const own = callInput(relayWorld({ channels }), chat);
		expect(candidatesFor(own, await admit(own)).map((c) => c.id)).toEqual([1]);
		const vip = callInput(relayWorld({ channels, key: { group: 'vip' } }), chat);
		expect(candidatesFor(vip, await admit(vip)).map((c) => c.id)).toEqual([2]);
	});

	test('routeFor: native when the adaptor speaks the door, converted through chat for another door, none when unsupported', () => {
		const messages = codecFor('messages');
		expect(routeFor(openaiAdaptor, 'chat', channelState(1), undefined)).toEqual({ native: true, door: 'chat', render: false });
		expect(routeFor(openaiAdaptor, 'messages', channelState(1), messages)).toEqual({ native: false, door: 'chat', render: true });
		const claude = channelState(2, { type: 'anthropic', baseUrl: 'http://x/v1' });
		expect(routeFor(anthropicAdaptor, 'messages', claude, messages)).toEqual({ native: true, door: 'messages', render: false });
		expect(routeFor(anthropicAdaptor, 'embeddings', claude, undefined)).toBeUndefined();
	});

	test('servingBy skips a channel of unknown type, one whose keys all failed, and one whose breaker is open', async () => {
		const good = channelState(1);
		const world = relayWorld({ channels: [good, channelState(2, { type: 'no-such-type' })] });
		const input = callInput(world, chat);
		const req = await admit(input);
		expect(servingBy(good, input, req)?.adaptor).toBe(openaiAdaptor);
		expect(servingBy(world.snap.channels.get(2)!, input, req)).toBeUndefined();

		world.ctx.health.onFailure(good, good.keys[0]!, 'm', { kind: 'bad-key', status: 401, message: 'no' }, Date.now());
		expect(servingBy(good, input, req)).toBeUndefined();

		const flaky = channelState(3);
		for (let i = 0; i < 5; i++) world.ctx.health.onFailure(flaky, flaky.keys[0]!, 'm', { kind: 'retry', status: 500, message: 'x' }, Date.now());
		expect(servingBy(flaky, input, req)).toBeUndefined();
	});

	test('nextKey takes the usable keys in turn', () => {
		relayWorld();
		const channel = channelState(1, { keys: [{ id: 1, secret: 'a' }, { id: 2, secret: 'b' }] });
		expect([nextKey(channel)?.id, nextKey(channel)?.id, nextKey(channel)?.id]).toEqual([1, 2, 1]);
	});
});
