import { describe, expect, test } from 'vitest';
import { DEFAULT_OUTPUT_RESERVE } from '../billing/pricing';
import { callInput, relayWorld } from '../testing/fake-call';
import { admit } from './admit';
import { RelayError } from './errors';
import { reserve } from './reserve';

const chat = (over: Record<string, unknown> = {}) => ({ model: 'm', messages: [{ role: 'user', content: 'hi' }], ...over });

function thrown(fn: () => unknown): RelayError {
	try {
		fn();
	} catch (err) {
		if (err instanceof RelayError) return err;
		throw err;
	}
	throw new Error('expected a refusal');
}

describe('reserve', () => {
	test('holds the worst case against the wallet and imposes the output budget when the client set none', async () => {
		const world = relayWorld();
		const input = callInput(world, chat());
		const req = await admit(input);
		const hold = reserve(input, req);
		expect(hold.reserved).toBeGreaterThan(0);
		expect(world.ctx.wallet.heldByUser(world.user.id)).toBe(hold.reserved);
		expect(world.ctx.wallet.heldByKey(world.key.id)).toBe(hold.reserved);
		expect(req.output).toMatchObject({ perChoice: DEFAULT_OUTPUT_RESERVE, impose: true });
	});

	test("the client's max_tokens bounds the hold instead", async () => {
		const world = relayWorld();
		const small = callInput(world, chat({ max_tokens: 1 }));
		const large = callInput(world, chat({ max_tokens: 1000 }));
		const a = reserve(small, await admit(small));
		const b = reserve(large, await admit(large));
		expect(b.reserved).toBeGreaterThan(a.reserved);
	});

	test('an unpriced model is refused with 403 and nothing is held', async () => {
		const world = relayWorld({ priced: [] });
		const input = callInput(world, chat());
		const req = await admit(input);
		expect(thrown(() => reserve(input, req)).status).toBe(403);
		expect(world.ctx.wallet.heldByUser(world.user.id)).toBe(0);
	});

	test('a balance that cannot cover the hold is a 429 saying so; a key limit names the key', async () => {
		const poor = relayWorld({ user: { quota: 1 } });
		const input = callInput(poor, chat());
		const req = await admit(input);
		const err = thrown(() => reserve(input, req));
		expect(err.status).toBe(429);
		expect(err.code).toBe('insufficient_quota');
		expect(err.message).toMatch(/^Your balance cannot cover this request/);
		expect(poor.ctx.wallet.heldByUser(poor.user.id)).toBe(0);

		const limited = relayWorld({ key: { quotaLimit: 1 } });
		const keyed = callInput(limited, chat());
		const keyReq = await admit(keyed);
		const keyErr = thrown(() => reserve(keyed, keyReq));
		expect(keyErr.message).toMatch(/^This API key's spending limit cannot cover this request/);
	});

	test('a free model holds nothing and is admitted even below zero', async () => {
		const world = relayWorld({ user: { quota: -5 } });
		world.snap.prices.set('m', { ...world.snap.prices.get('m')!, modelRatio: 0, completionRatio: 0 });
		const input = callInput(world, chat());
		expect(reserve(input, await admit(input)).reserved).toBe(0);
	});
});
