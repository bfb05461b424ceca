import { describe, expect, test } from 'vitest';
import { fakeCall, relayWorld } from '../testing/fake-call';

describe('Call', () => {
	test('end settles once: one ledger entry, the hold swapped for the cost once, later ends ignored', () => {
		const w = relayWorld();
		const call = fakeCall(w, {}, { reserved: 300 });
		expect(w.ctx.wallet.heldByUser(w.user.id)).toBe(300);
		call.end({ status: 200, usage: { inputUncached: 10, cacheRead: 0, cacheWrite: 0, output: 5, reasoning: 0 } });
		call.end({ status: 502, error: 'late' });
		expect(call.ended).toBe(true);
		expect(w.ledger.entries).toHaveLength(1);
		expect(w.ledger.entries[0]).toMatchObject({ status: 200, promptTokens: 10, completionTokens: 5, requestId: 'req-1', model: 'm' });
		// The hold is gone; what stays held is the cost itself, until the ledger has written it.
		expect(w.ctx.wallet.heldByUser(w.user.id)).toBe(w.ledger.entries[0]!.cost);
	});

	test('the tokens a call used count against its key per-minute token budget', () => {
		const w = relayWorld({ key: { tpmLimit: 10 } });
		fakeCall(w).end({ status: 200, usage: { inputUncached: 8, cacheRead: 0, cacheWrite: 0, output: 4, reasoning: 0 } });
		expect(w.ctx.limiter.admit(w.key, Date.now()).ok).toBe(false);
	});

	test('estimate counts the prompt locally and takes the output count given', () => {
		const call = fakeCall(relayWorld());
		const usage = call.estimate(7);
		expect(usage.output).toBe(7);
		expect(usage.inputUncached).toBeGreaterThan(0);
	});

	test('maxTokens reads max_completion_tokens, then max_tokens, and ignores nonsense', () => {
		const w = relayWorld();
		const body = (over: Record<string, unknown>) => ({ json: { model: 'm', messages: [], ...over }, raw: '' });
		expect(fakeCall(w, { canonical: { max_tokens: 5, max_completion_tokens: 9 } }).maxTokens).toBe(9);
		expect(fakeCall(w, { canonical: { max_tokens: 5 } }).maxTokens).toBe(5);
		expect(fakeCall(w, { canonical: { max_tokens: -1 } }).maxTokens).toBeUndefined();
		expect(fakeCall(w, { body: body({}), canonical: { max_tokens: 1.5 } }).maxTokens).toBeUndefined();
	});
});
