import { describe, expect, test } from 'vitest';
import { defaultOptions } from '../options/definitions';
import type { KeyState, PriceState, Snapshot, UserState } from '../state/snapshot';
import { applyBalances, fresherUser } from '../state/balances';
import { IMAGE_TOKEN_BOUND, promptReserveTokens } from './prompt-reserve';
import { costOf, isFree, outputBudgetOf, quoteFor, reservationOf, type Quote } from './pricing';
import { Wallet } from './wallet';

const usage = (inputUncached: number, output: number, cacheRead = 0, cacheWrite = 0) => ({ inputUncached, cacheRead, cacheWrite, output, reasoning: 0 });

function price(over: Partial<PriceState> = {}): PriceState {
	return { model: 'm', modelRatio: 1.25, completionRatio: 4, cacheReadRatio: null, cacheWriteRatio: null, pricePerRequestUsd: null, defaultOutputReserve: 4096, ...over };
}

function user(over: Partial<UserState> = {}): UserState {
	return { id: 1, username: 'u', role: 'user', status: 'active', group: 'default', quota: 1000, usedQuota: 0, balanceVersion: 1, ...over };
}

function key(over: Partial<KeyState> = {}): KeyState {
	return { id: 7, userId: 1, name: 'k', status: 'active', expiresAt: null, allowedModels: null, ipAllowed: () => true, quotaLimit: null, usedQuota: 0, rpmLimit: null, tpmLimit: null, group: null, ...over };
}

describe('cost', () => {
	test('tokens × ratios × group ratio, rounded', () => {
		// gpt-4o at USD 2.50 / 10.00 per million: 1000 in + 500 out = 0.0025 + 0.005 USD = 3750 quota.
		expect(costOf({ price: price(), groupRatio: 1 }, usage(1000, 500))).toBe(3750);
		expect(costOf({ price: price(), groupRatio: 0.5 }, usage(1000, 500))).toBe(1875);
		expect(costOf({ price: price({ modelRatio: 0.075 }), groupRatio: 1 }, usage(3, 1))).toBe(1); // 0.525 rounds to 1
		expect(costOf({ price: price({ modelRatio: 0.075, completionRatio: 1 }), groupRatio: 1 }, usage(5, 0))).toBe(1); // 0.375: the 1-quota minimum
	});

	test('cache reads and writes have their own ratios (full input price when unset)', () => {
		const p = price({ modelRatio: 1, completionRatio: 1, cacheReadRatio: 0.1, cacheWriteRatio: 1.25 });
		expect(costOf({ price: p, groupRatio: 1 }, usage(100, 10, 1000, 200))).toBe(100 + 100 + 250 + 10);
		expect(costOf({ price: price({ modelRatio: 1, completionRatio: 1 }), groupRatio: 1 }, usage(100, 10, 1000, 200))).toBe(1310);
	});

	test('a fixed price per request replaces the token formula', () => {
		const q: Quote = { price: price({ pricePerRequestUsd: 0.04 }), groupRatio: 1.5 };
		expect(costOf(q, usage(123456, 789))).toBe(30_000);
		expect(reservationOf(q, 999, 999)).toBe(30_000);
	});

	test('free models and unpriced models cost nothing, not even the minimum', () => {
		expect(costOf({ price: price({ modelRatio: 0 }), groupRatio: 1 }, usage(100, 100))).toBe(0);
		expect(costOf({ price: null, groupRatio: 1 }, usage(100, 100))).toBe(0);
		expect(costOf({ price: price(), groupRatio: 0 }, usage(100, 100))).toBe(0);
		expect(isFree({ price: price({ pricePerRequestUsd: 0 }), groupRatio: 1 })).toBe(true);
		expect(reservationOf({ price: null, groupRatio: 1 }, 100, 100)).toBe(0);
	});
});

describe('reservation', () => {
	test('prompt estimate at the input price plus the output reserve at the output price, rounded up', () => {
		expect(reservationOf({ price: price(), groupRatio: 1 }, 1000, 500)).toBe(3750);
		expect(reservationOf({ price: price({ modelRatio: 0.075, completionRatio: 1 }), groupRatio: 1 }, 10, 0)).toBe(1);
		expect(reservationOf({ price: price({ modelRatio: 0.3, completionRatio: 1 }), groupRatio: 1 }, 10, 1)).toBe(4); // 3.3 up
	});

	test('equals the cost when the usage is what was reserved', () => {
		const q: Quote = { price: price({ modelRatio: 2, completionRatio: 3 }), groupRatio: 1 };
		expect(reservationOf(q, 40, 25)).toBe(costOf(q, usage(40, 25)));
	});

	test('output budget: max_completion_tokens, then max_tokens, times n (best_of for completions); else the model default, imposed', () => {
		const p = price({ defaultOutputReserve: 1000 });
		expect(outputBudgetOf({ max_tokens: 50, max_completion_tokens: 70 }, p, 'chat')).toEqual({ perChoice: 70, choices: 1, impose: false });
		expect(outputBudgetOf({ max_tokens: 50, n: 3 }, p, 'chat')).toEqual({ perChoice: 50, choices: 3, impose: false });
		expect(outputBudgetOf({}, p, 'chat')).toEqual({ perChoice: 1000, choices: 1, impose: true });
		expect(outputBudgetOf({ max_tokens: null }, p, 'messages')).toEqual({ perChoice: 1000, choices: 1, impose: true });
		// A limit the client set but got wrong is the upstream's to refuse, not ours to replace.
		expect(outputBudgetOf({ max_tokens: 'lots' }, null, 'chat')).toEqual({ perChoice: 4096, choices: 1, impose: false });
		expect(outputBudgetOf({ max_tokens: 50 }, p, 'embeddings')).toEqual({ perChoice: 0, choices: 1, impose: false });
		// Legacy completions: the API's own default of 16 tokens; best_of choices are all generated and billed.
		expect(outputBudgetOf({ n: 2, best_of: 5 }, p, 'completions')).toEqual({ perChoice: 16, choices: 5, impose: true });
		expect(outputBudgetOf({ max_tokens: 100, n: 3, best_of: 2 }, p, 'completions')).toEqual({ perChoice: 100, choices: 3, impose: false });
	});

	test('the prompt bound counts the whole body by size, a token per 3 bytes', () => {
		const body = (content: unknown, extra: Record<string, unknown> = {}) => {
			const json = { model: 'm', messages: [{ role: 'user', content }], ...extra };
			return promptReserveTokens(JSON.stringify(json), json);
		};
		const english = 'The quick brown fox jumps over the lazy dog. '.repeat(20);
		expect(body(english)).toBeGreaterThan(english.length / 3);
		const small = body('hi');
		expect(body('你好世界') - small).toBe(Math.ceil((Buffer.byteLength('你好世界') - 2) / 3));
		// What rides beside the messages counts too: tool schemas, response_format, files.
		const schema = { type: 'json_schema', json_schema: { name: 'x', schema: { description: 'y'.repeat(300_000) } } };
		expect(body('hi', { response_format: schema })).toBeGreaterThan(100_000);
		expect(body('hi', { tools: [{ type: 'function', function: { name: 'f', parameters: { description: 'z'.repeat(30_000) } } }] })).toBeGreaterThan(10_000);
		const pdf = { type: 'file', file: { filename: 'a.pdf', file_data: `data:application/pdf;base64,${'A'.repeat(3_000_000)}` } };
		expect(body([pdf])).toBeGreaterThan(1_000_000);
	});

	test('images count a flat per-image bound whatever their bytes, audio by its longest duration', () => {
		const json = (parts: unknown[]) => ({ model: 'm', messages: [{ role: 'user', content: parts }] });
		const reserve = (parts: unknown[]) => promptReserveTokens(JSON.stringify(json(parts)), json(parts));
		const bare = reserve([]);
		const big = { type: 'image_url', image_url: { url: `data:image/png;base64,${'A'.repeat(3_000_000)}` } };
		const linked = { type: 'image_url', image_url: { url: 'https://example.com/cat.png' } };
		// The payload's bytes are swapped for the bound (the part's own JSON still counts by size).
		expect(reserve([big]) - bare).toBeLessThan(IMAGE_TOKEN_BOUND + 30);
		expect(reserve([big]) - bare).toBeGreaterThanOrEqual(IMAGE_TOKEN_BOUND);
		expect(reserve([linked]) - bare).toBeGreaterThanOrEqual(IMAGE_TOKEN_BOUND);
		expect(reserve([big, linked]) - bare).toBeGreaterThanOrEqual(2 * IMAGE_TOKEN_BOUND);
		// 3 MB of base64 audio: 2.25 MB, at most 2,250 s at 8 kbit/s, 32 tokens a second.
		const audio = { type: 'input_audio', input_audio: { format: 'mp3', data: 'A'.repeat(3_000_000) } };
		expect(reserve([audio]) - bare).toBeGreaterThanOrEqual(72_000);
		expect(reserve([audio]) - bare).toBeLessThan(72_100);
	});

	test('unpriced models are refused unless the option serves them free', () => {
		const snap = {
			prices: new Map([['m', price()]]),
			groups: new Map([['vip', { name: 'vip', ratio: 0.8 }]]),
			options: defaultOptions()
		} as unknown as Snapshot;
		expect(quoteFor(snap, 'm', 'vip')).toEqual({ price: price(), groupRatio: 0.8 });
		expect(quoteFor(snap, 'm', 'nogroup')?.groupRatio).toBe(1);
		expect(quoteFor(snap, 'other', 'vip')).toBeUndefined();
		snap.options = { ...snap.options, 'billing.allow_unpriced_models': true };
		expect(quoteFor(snap, 'other', 'vip')).toEqual({ price: null, groupRatio: 0.8 });
	});
});

describe('wallet', () => {
	test('reservations hold money until settled; the last unit goes to exactly one call', () => {
		const w = new Wallet();
		const u = user({ quota: 300 });
		const k = key();
		expect(w.reserve(u, k, 100)).toBe(true);
		expect(w.reserve(u, k, 100)).toBe(true);
		expect(w.reserve(u, k, 100)).toBe(true);
		expect(w.reserve(u, k, 1)).toBe(false);
		expect(w.availableToUser(u)).toBe(0);
		w.settle(1, 7, 100, 0); // delivered nothing: the reservation comes back
		expect(w.availableToUser(u)).toBe(100);
		w.settle(1, 7, 100, 60); // actual cost below the reservation
		expect(w.availableToUser(u)).toBe(140);
		expect(w.heldByUser(1)).toBe(160);
	});

	test('a flush moves settled costs from held into the snapshot in one step', () => {
		const w = new Wallet();
		const u = user({ quota: 500 });
		const k = key({ quotaLimit: 400 });
		w.reserve(u, k, 200);
		w.settle(1, 7, 200, 150);
		expect(w.availableToUser(u)).toBe(350);
		expect(w.availableToKey(k)).toBe(250);
		// What the ledger's onFlushed does: balances in, held out.
		const snap = { users: new Map([[1, u]]), keyHashById: new Map([[7, 'h']]), keysByHash: new Map([['h', k]]) } as unknown as Snapshot;
		applyBalances(snap, [[1, 350, 150, 2]], [[7, 150]]);
		w.flushed([{ userId: 1, apiKeyId: 7, cost: 150 }]);
		expect(w.availableToUser(u)).toBe(350);
		expect(w.availableToKey(k)).toBe(250);
		expect(w.holding).toEqual({ users: 0, keys: 0 });
	});

	test("a key's limit refuses even when the user could pay; free calls always pass", () => {
		const w = new Wallet();
		const u = user({ quota: 10_000 });
		const k = key({ quotaLimit: 100, usedQuota: 60 });
		expect(w.reserve(u, k, 41)).toBe(false);
		expect(w.reserve(u, k, 40)).toBe(true);
		expect(w.reserve(user({ quota: -5 }), k, 0)).toBe(true);
		expect(w.reserve(user({ quota: -5 }), key(), 1)).toBe(false);
	});

	test('balances only move forward: a stale reload or notification never undoes a flush', () => {
		const u = user({ quota: 100, balanceVersion: 5 });
		const snap = { users: new Map([[1, u]]), keyHashById: new Map(), keysByHash: new Map() } as unknown as Snapshot;
		applyBalances(snap, [[1, 900, 0, 4]], []);
		expect(u.quota).toBe(100);
		expect(fresherUser(user({ quota: 900, balanceVersion: 4 }), u).quota).toBe(100);
		applyBalances(snap, [[1, 50, 50, 6]], []);
		expect(u.quota).toBe(50);
	});
});
