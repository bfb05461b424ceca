import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { UpstreamRequestError } from '../protocol/errors';
import { openaiAdaptor } from '../providers/openai';
import type { ProviderAdaptor } from '../providers/types';
import { channelState } from '../testing/channel-state';
import { fakeCall, relayWorld } from '../testing/fake-call';
import { attempt, type Target } from './attempt';
import { UpstreamHostGuard } from './upstream-guard';

const completion = { id: 'c1', object: 'chat.completion', created: 1, model: 'm', choices: [{ index: 0, message: { role: 'assistant', content: 'hello' }, finish_reason: 'stop' }], usage: { prompt_tokens: 3, completion_tokens: 2, total_tokens: 5 } };

/** A local upstream answering by path: /ok, /redirect, /limited, /silent (never answers). */
let upstream: ReturnType<typeof Bun.serve>;
beforeAll(() => {
	upstream = Bun.serve({
		port: 0,
		hostname: '127.0.0.1',
		fetch(req) {
			const path = new URL(req.url).pathname;
			if (path.startsWith('/ok')) return Response.json(completion);
			if (path.startsWith('/redirect')) return new Response(null, { status: 302, headers: { location: 'http://elsewhere.test/' } });
			if (path.startsWith('/limited')) return Response.json({ error: { message: 'slow down', type: 'rate_limit' } }, { status: 429, headers: { 'retry-after': '7' } });
			if (path.startsWith('/garbage')) return new Response('not json', { headers: { 'content-type': 'application/json' } });
			return new Promise<Response>(() => {}); // silent
		}
	});
});
afterAll(() => void upstream.stop(true));

function targetAt(path: string, over: Partial<Target> = {}): Target {
	const channel = channelState(1, { baseUrl: `http://127.0.0.1:${upstream.port}${path}` });
	return {
		channel,
		key: channel.keys[0]!,
		adaptor: openaiAdaptor,
		route: { native: true, door: 'chat', render: false },
		timeouts: { connectMs: 2_000, firstByteMs: 10_000, streamFirstByteMs: 10_000, streamIdleMs: 10_000 },
		...over
	};
}

function world() {
	const w = relayWorld();
	// The local upstream is on loopback; the guard's job is metadata hosts, which are not in play here.
	w.ctx.hostGuard = new UpstreamHostGuard(async () => ['127.0.0.1']);
	return w;
}

describe('attempt', () => {
	test('an answer is delivered and the call settled with the upstream usage', async () => {
		const w = world();
		const call = fakeCall(w);
		const outcome = await attempt(call, targetAt('/ok/v1'));
		expect(outcome.kind).toBe('answered');
		expect(w.ledger.entries).toEqual([expect.objectContaining({ status: 200, promptTokens: 3, completionTokens: 2, estimated: false })]);
	});

	test('a redirect is a failed attempt, never followed', async () => {
		const outcome = await attempt(fakeCall(world()), targetAt('/redirect/v1'));
		expect(outcome).toMatchObject({ kind: 'failed', failure: { kind: 'retry', status: 302, cause: 'bad-response' } });
	});

	test("an upstream's refusal is classified by the adaptor (429 cools the channel, with its retry-after)", async () => {
		const outcome = await attempt(fakeCall(world()), targetAt('/limited/v1'));
		expect(outcome).toMatchObject({ kind: 'failed', failure: { kind: 'cool', status: 429, retryAfterMs: 7000 } });
	});

	test('no first byte within the timeout is a retryable timeout', async () => {
		const outcome = await attempt(fakeCall(world()), targetAt('/silent/v1', { timeouts: { connectMs: 2_000, firstByteMs: 50, streamFirstByteMs: 50, streamIdleMs: 50 } }));
		expect(outcome).toMatchObject({ kind: 'failed', failure: { kind: 'retry', cause: 'timeout', message: 'No answer within 0 s.' } });
	});

	test('a client that left before any answer makes the attempt end as client-gone', async () => {
		const controller = new AbortController();
		const pending = attempt(fakeCall(world(), {}, { signal: controller.signal }), targetAt('/silent/v1'));
		setTimeout(() => controller.abort(), 20);
		expect((await pending).kind).toBe('client-gone');
	});

	test('a request the adaptor cannot put in its terms is the client’s 400, not a channel failure', async () => {
		const refusing: ProviderAdaptor = {
			...openaiAdaptor,
			buildRequest() {
				throw new UpstreamRequestError('This upstream cannot take audio parts.');
			}
		};
		const outcome = await attempt(fakeCall(world()), targetAt('/ok/v1', { adaptor: refusing }));
		expect(outcome).toMatchObject({ kind: 'failed', failure: { kind: 'client', status: 400, message: 'This upstream cannot take audio parts.' } });
	});

	test('a host that resolves to a metadata address is never contacted', async () => {
		const w = world();
		let contacted = 0;
		const trap = Bun.serve({ port: 0, hostname: '127.0.0.1', fetch: () => (contacted++, Response.json(completion)) });
		try {
			w.ctx.hostGuard = new UpstreamHostGuard(async () => ['169.254.169.254']);
			const outcome = await attempt(fakeCall(w), targetAt('/ok/v1', { channel: channelState(1, { baseUrl: `http://upstream.test:${trap.port}/v1` }) }));
			expect(outcome).toMatchObject({ kind: 'failed', failure: { kind: 'retry', cause: 'unreachable', message: 'upstream.test resolves to a cloud metadata address, which cannot be used as an upstream.' } });
			expect(contacted).toBe(0);
		} finally {
			void trap.stop(true);
		}
	});
});
