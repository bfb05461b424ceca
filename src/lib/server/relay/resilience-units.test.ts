import { describe, expect, test } from 'vitest';
import { classifyOpenAIFailure, retryAfterMs } from '../providers/openai/errors';
import type { UpstreamFailure } from '../providers/types';
import type { ChannelState, KeyState } from '../state/snapshot';
import { channelState } from '../testing/channel-state';
import { finalError } from './final-error';
import { ChannelHealth } from './health';
import { KeyRateLimiter } from './rate-limit';
import { checkReachable } from './reachability';
import { watchIdle } from './idle-watch';
import { eventually } from '../../../../tests/harness/eventually';

const settings = { breakerThreshold: 3, breakerCooldownMs: 1_000, rateLimitCooldownMs: 10_000, modelUnavailableMs: 60_000 };

function channel(id: number, keys = [{ id: id * 10, secret: 'a' }], loadedAt = 0): ChannelState {
	return channelState(id, { keys, loadedAt });
}

const retry: UpstreamFailure = { kind: 'retry', status: 500, message: 'boom' };

describe('classification (docs/protocol.md, "Failure classification", OpenAI-style upstreams)', () => {
	const h = (init: Record<string, string> = {}) => new Headers(init);
	const body = (code: string | null, type = 'x', message = 'upstream says no') => JSON.stringify({ error: { message, type, code, param: null } });
	test.each([
		[429, body(null), 'cool'],
		[429, body('insufficient_quota', 'insufficient_quota'), 'bad-key'],
		[529, body(null), 'cool'],
		[401, body('invalid_api_key'), 'bad-key'],
		[403, body(null), 'bad-key'],
		[402, body(null), 'bad-key'],
		[404, body('model_not_found'), 'model-unavailable'],
		[500, body(null), 'retry'],
		[502, '<html>bad gateway</html>', 'retry'],
		[503, body(null), 'retry'],
		[504, '', 'retry'],
		[408, '', 'retry'],
		[400, body('context_length_exceeded', 'invalid_request_error'), 'client'],
		[413, body(null), 'client'],
		[422, body(null), 'client']
	])('%i → %s', (status, text, kind) => {
		expect(classifyOpenAIFailure(status, h(), text).kind).toBe(kind);
	});

	test('a client error keeps the upstream code, type and param to pass on', () => {
		const f = classifyOpenAIFailure(400, h(), JSON.stringify({ error: { message: 'too long', type: 'invalid_request_error', code: 'context_length_exceeded', param: 'messages' } }));
		expect(f).toMatchObject({ kind: 'client', status: 400, message: 'too long', code: 'context_length_exceeded', type: 'invalid_request_error', param: 'messages' });
	});

	test('retry-after-ms wins; retry-after as seconds or an HTTP date', () => {
		expect(retryAfterMs(h({ 'retry-after-ms': '1500', 'retry-after': '9' }))).toBe(1500);
		expect(retryAfterMs(h({ 'retry-after': '7' }))).toBe(7000);
		expect(retryAfterMs(h({ 'retry-after': new Date(1_000_000 + 4000).toUTCString() }), 1_000_000)).toBe(4000);
		expect(retryAfterMs(h())).toBeUndefined();
		expect(classifyOpenAIFailure(429, h({ 'retry-after': '3' }), '').retryAfterMs).toBe(3000);
	});
});

describe('channel health', () => {
	test('the breaker opens after N consecutive failures, cools down, lets exactly one probe through, and success closes it', () => {
		const health = new ChannelHealth(settings);
		const c = channel(1);
		const key = c.keys[0]!;
		for (let i = 0; i < 2; i++) {
			expect(health.admit(c, 'm', 0)).toBe('ok');
			health.onFailure(c, key, 'm', retry, 0);
		}
		expect(health.describe(1, 0)).toMatchObject({ breaker: 'closed', consecutiveFailures: 2 });
		health.onFailure(c, key, 'm', retry, 100);
		expect(health.describe(1, 100)).toMatchObject({ breaker: 'open', openUntil: new Date(1_100) });
		expect(health.admit(c, 'm', 1_099)).toBe('skip');
		expect(health.admit(c, 'm', 1_100)).toBe('probe');
		// While the probe runs, everyone else goes elsewhere.
		expect(health.admit(c, 'm', 1_200)).toBe('skip');
		expect(health.admit(c, 'm', 5_000)).toBe('skip');
		health.onSuccess(c);
		expect(health.admit(c, 'm', 5_000)).toBe('ok');
		expect(health.describe(1, 5_000)).toMatchObject({ breaker: 'closed', consecutiveFailures: 0 });
	});

	test('a failed probe opens the breaker again; an abandoned one lets the next call probe', () => {
		const health = new ChannelHealth(settings);
		const c = channel(1);
		for (let i = 0; i < 3; i++) health.onFailure(c, c.keys[0]!, 'm', retry, 0);
		expect(health.admit(c, 'm', 1_000)).toBe('probe');
		health.onFailure(c, c.keys[0]!, 'm', retry, 1_000);
		expect(health.admit(c, 'm', 1_500)).toBe('skip');
		expect(health.admit(c, 'm', 2_000)).toBe('probe');
		health.onAbandoned(c);
		expect(health.admit(c, 'm', 2_001)).toBe('probe');
	});

	test('a success in between resets the count: only consecutive failures open the breaker', () => {
		const health = new ChannelHealth(settings);
		const c = channel(1);
		for (let i = 0; i < 10; i++) {
			health.onFailure(c, c.keys[0]!, 'm', retry, i);
			health.onFailure(c, c.keys[0]!, 'm', retry, i);
			health.onSuccess(c);
		}
		expect(health.admit(c, 'm', 10)).toBe('ok');
	});

	test('a rate limit cools the channel for retry-after (else the option), without touching the breaker', () => {
		const health = new ChannelHealth(settings);
		const c = channel(1);
		health.onFailure(c, c.keys[0]!, 'm', { kind: 'cool', status: 429, message: 'slow', retryAfterMs: 2_000 }, 0);
		expect(health.isCooling(1, 1_999)).toBe(true);
		expect(health.isCooling(1, 2_000)).toBe(false);
		health.onFailure(c, c.keys[0]!, 'm', { kind: 'cool', status: 429, message: 'slow' }, 0);
		expect(health.coolingLeftMs(1, 0)).toBe(10_000);
		expect(health.admit(c, 'm', 0)).toBe('ok');
		expect(health.describe(1, 0).breaker).toBe('closed');
	});

	test('a 404 takes the model off this channel only, for the configured time', () => {
		const health = new ChannelHealth(settings);
		const c = channel(1);
		health.onFailure(c, c.keys[0]!, 'gone', { kind: 'model-unavailable', status: 404, message: 'no such model' }, 0);
		expect(health.admit(c, 'gone', 59_999)).toBe('skip');
		expect(health.admit(c, 'm', 0)).toBe('ok');
		expect(health.admit(channel(2), 'gone', 0)).toBe('ok');
		expect(health.admit(c, 'gone', 60_000)).toBe('ok');
	});

	test('a refused key is dropped at once; the channel goes only with its last key; a reload hands keys back to the database', () => {
		const health = new ChannelHealth(settings);
		const c = channel(1, [{ id: 1, secret: 'a' }, { id: 2, secret: 'b' }], 0);
		const bad: UpstreamFailure = { kind: 'bad-key', status: 401, message: 'invalid key' };
		expect(health.onFailure(c, c.keys[0]!, 'm', bad, 10)).toEqual([{ kind: 'disable-key', channelId: 1, keyId: 1, reason: 'upstream 401: invalid key' }]);
		expect(health.usableKeys(c).map((k) => k.id)).toEqual([2]);
		const actions = health.onFailure(c, c.keys[1]!, 'm', bad, 20);
		expect(actions.map((a) => a.kind)).toEqual(['disable-key', 'disable-channel']);
		expect(health.usableKeys(c)).toEqual([]);
		// The snapshot reloaded the channel after both were found bad: the database decides now.
		expect(health.usableKeys({ ...c, loadedAt: 30 }).map((k) => k.id)).toEqual([1, 2]);
	});

	test('a client mistake counts as the channel working', () => {
		const health = new ChannelHealth(settings);
		const c = channel(1);
		health.onFailure(c, c.keys[0]!, 'm', retry, 0);
		health.onFailure(c, c.keys[0]!, 'm', retry, 0);
		health.onFailure(c, c.keys[0]!, 'm', { kind: 'client', status: 400, message: 'bad' }, 0);
		health.onFailure(c, c.keys[0]!, 'm', retry, 0);
		expect(health.admit(c, 'm', 0)).toBe('ok');
	});

	test('forget clears breaker, cool-down and missing models', () => {
		const health = new ChannelHealth(settings);
		const c = channel(1);
		for (let i = 0; i < 3; i++) health.onFailure(c, c.keys[0]!, 'm', retry, 0);
		health.onFailure(c, c.keys[0]!, 'x', { kind: 'model-unavailable', status: 404, message: '' }, 0);
		health.onFailure(c, c.keys[0]!, 'm', { kind: 'cool', status: 429, message: '' }, 0);
		health.forget(1);
		expect(health.admit(c, 'm', 0)).toBe('ok');
		expect(health.admit(c, 'x', 0)).toBe('ok');
		expect(health.isCooling(1, 0)).toBe(false);
	});
});

describe('final error', () => {
	const health = new ChannelHealth(settings);
	const last = (failure: UpstreamFailure) => finalError([{ channel: channel(9), failure: retry }, { channel: channel(1), failure }], 'm', health, 0);

	test('the last failure decides, in OpenAI shape', () => {
		expect(last({ kind: 'cool', status: 429, message: 'slow', retryAfterMs: 7_000 })).toMatchObject({ status: 429, code: 'rate_limit_exceeded', headers: { 'retry-after': '7' } });
		expect(last({ kind: 'cool', status: 529, message: 'busy' })).toMatchObject({ status: 503, code: 'overloaded' });
		expect(last({ kind: 'retry', status: 500, message: 'x' })).toMatchObject({ status: 502, code: 'upstream_error' });
		expect(last({ kind: 'retry', status: 503, message: 'x', retryAfterMs: 2_000 })).toMatchObject({ status: 503, headers: { 'retry-after': '2' } });
		expect(last({ kind: 'retry', status: 0, cause: 'timeout', message: 'x' })).toMatchObject({ status: 504, code: 'upstream_timeout' });
		expect(last({ kind: 'retry', status: 0, cause: 'unreachable', message: 'x' })).toMatchObject({ status: 502, code: 'upstream_unreachable' });
		expect(last({ kind: 'bad-key', status: 401, message: 'x' })).toMatchObject({ status: 502, headers: { 'x-should-retry': 'false' } });
		expect(last({ kind: 'client', status: 400, message: 'too long', code: 'context_length_exceeded', param: 'messages' })).toMatchObject({
			status: 400,
			code: 'context_length_exceeded',
			param: 'messages'
		});
	});

	test('nothing tried: 503 no_available_channel with retry-after', () => {
		expect(finalError([], 'm', health, 0)).toMatchObject({ status: 503, code: 'no_available_channel', headers: { 'retry-after': '5' } });
	});
});

describe('per-key rate limits', () => {
	const key = (over: Partial<KeyState>): KeyState => ({ id: 1, rpmLimit: null, tpmLimit: null, ...over }) as KeyState;
	const MINUTE = 60_000;

	test('no limits: no headers, never refused', () => {
		const limiter = new KeyRateLimiter();
		for (let i = 0; i < 1000; i++) expect(limiter.admit(key({}), i)).toEqual({ ok: true, headers: {} });
	});

	test('RPM: remaining counts down, then 429 with retry-after', () => {
		const limiter = new KeyRateLimiter();
		const k = key({ rpmLimit: 3 });
		const t0 = 10 * MINUTE;
		const remaining = [0, 1, 2].map((i) => limiter.admit(k, t0 + i).headers['x-ratelimit-remaining-requests']);
		expect(remaining).toEqual(['2', '1', '0']);
		const refused = limiter.admit(k, t0 + 5_000);
		expect(refused).toMatchObject({ ok: false, what: 'requests', headers: { 'x-ratelimit-limit-requests': '3', 'x-ratelimit-remaining-requests': '0' } });
		expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
	});

	test('retry-after is honest: refused just before it, admitted once it has passed', () => {
		const limiter = new KeyRateLimiter();
		const k = key({ rpmLimit: 10 });
		const t0 = 100 * MINUTE + 30_000;
		for (let i = 0; i < 10; i++) expect(limiter.admit(k, t0).ok).toBe(true);
		const refused = limiter.admit(k, t0 + 1);
		if (refused.ok) throw new Error('expected a refusal');
		const waitMs = refused.retryAfterSeconds * 1000;
		expect(limiter.admit(k, t0 + 1 + waitMs - 2_000).ok).toBe(false);
		expect(limiter.admit(k, t0 + 1 + waitMs).ok).toBe(true);
	});

	test('the previous minute still weighs in: a burst at :59 is not forgotten at :00', () => {
		const limiter = new KeyRateLimiter();
		const k = key({ rpmLimit: 4 });
		const t0 = 200 * MINUTE;
		for (let i = 0; i < 4; i++) limiter.admit(k, t0 + 59_000);
		expect(limiter.admit(k, t0 + MINUTE + 1_000).ok).toBe(false);
		expect(limiter.admit(k, t0 + MINUTE + 50_000).ok).toBe(true);
	});

	test('TPM: tokens are booked when a call settles; the next call waits once the budget is spent', () => {
		const limiter = new KeyRateLimiter();
		const k = key({ tpmLimit: 30 });
		const t0 = 300 * MINUTE;
		expect(limiter.admit(k, t0).headers['x-ratelimit-remaining-tokens']).toBe('30');
		limiter.addTokens(k, 15, t0);
		expect(limiter.admit(k, t0).headers['x-ratelimit-remaining-tokens']).toBe('15');
		limiter.addTokens(k, 15, t0);
		const refused = limiter.admit(k, t0 + 1);
		expect(refused).toMatchObject({ ok: false, what: 'tokens', headers: { 'x-ratelimit-limit-tokens': '30', 'x-ratelimit-remaining-tokens': '0' } });
		if (refused.ok) throw new Error('expected a refusal');
		expect(limiter.admit(k, t0 + 1 + refused.retryAfterSeconds * 1000).ok).toBe(true);
	});
});

describe('connect check', () => {
	test('a refused connection is unreachable at once; a listening host is reachable and then proven for a while', async () => {
		const listener = Bun.listen({ hostname: '127.0.0.1', port: 0, socket: { data() {} } });
		const closedPort = (() => {
			const l = Bun.listen({ hostname: '127.0.0.1', port: 0, socket: { data() {} } });
			const port = l.port;
			l.stop(true);
			return port;
		})();
		try {
			expect(await checkReachable(`http://127.0.0.1:${closedPort}/v1/chat/completions`, 2_000)).toBe('unreachable');
			const url = `http://127.0.0.1:${listener.port}/v1/chat/completions`;
			expect(await checkReachable(url, 2_000)).toBeUndefined();
			listener.stop(true);
			// Proven a moment ago: not checked again (the request itself will find out).
			expect(await checkReachable(url, 2_000)).toBeUndefined();
		} finally {
			listener.stop(true);
		}
	});
});

describe('stream idle watch', () => {
	test('a stream that keeps sending is never idle; one that stops is ended once, after its limit', async () => {
		let chatty = 0;
		let silent = 0;
		const busy = watchIdle(200, () => chatty++);
		const quiet = watchIdle(200, () => silent++);
		const started = performance.now();
		const ticker = setInterval(() => busy.touch(), 20);
		try {
			await eventually(() => expect(silent).toBe(1), { timeout: 3_000, interval: 20 });
			expect(performance.now() - started).toBeGreaterThanOrEqual(200);
			await Bun.sleep(300);
			expect(silent).toBe(1);
			expect(chatty).toBe(0);
		} finally {
			clearInterval(ticker);
			busy.stop();
			quiet.stop();
		}
	});
});
