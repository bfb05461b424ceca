import { describe, expect, test } from 'vitest';
import { codecFor } from '../doors/registry';
import { openaiAdaptor } from '../providers/openai';
import { channelState } from '../testing/channel-state';
import { fakeCall, relayWorld } from '../testing/fake-call';
import type { LiveAttempt, Target } from './attempt-outcome';
import { deliver } from './deliver';

const completion = { id: 'c1', object: 'chat.completion', created: 1, model: 'up', choices: [{ index: 0, message: { role: 'assistant', content: 'hello' }, finish_reason: 'stop' }], usage: { prompt_tokens: 3, completion_tokens: 2, total_tokens: 5 } };

function live(over: Partial<Target> = {}): LiveAttempt {
	const channel = channelState(1);
	const controller = new AbortController();
	const leaving = { handle: () => controller.abort('client') };
	return {
		target: { channel, key: channel.keys[0]!, adaptor: openaiAdaptor, route: { native: true, door: 'chat', render: false }, timeouts: { connectMs: 1000, firstByteMs: 1000, streamFirstByteMs: 1000, streamIdleMs: 5000 }, ...over },
		controller,
		leaving,
		onClientGone: () => leaving.handle()
	};
}

const sse = (events: unknown[]) =>
	new Response(events.map((e) => `data: ${typeof e === 'string' ? e : JSON.stringify(e)}\n\n`).join(''), { headers: { 'content-type': 'text/event-stream' } });

describe('deliver', () => {
	test('a JSON answer goes out under the public model name and the call is settled with its usage', async () => {
		const w = relayWorld();
		const outcome = await deliver(fakeCall(w), live(), Response.json(completion));
		if (outcome.kind !== 'answered') throw new Error(outcome.kind);
		expect(outcome.streaming).toBe(false);
		expect(await outcome.response.json()).toMatchObject({ model: 'm', choices: [{ message: { content: 'hello' } }] });
		expect(w.ledger.entries).toEqual([expect.objectContaining({ status: 200, promptTokens: 3, completionTokens: 2 })]);
	});

	test('an answer without usage is billed by counting, and marked estimated', async () => {
		const w = relayWorld();
		await deliver(fakeCall(w), live(), Response.json({ ...completion, usage: undefined }));
		expect(w.ledger.entries).toEqual([expect.objectContaining({ status: 200, estimated: true })]);
		expect(w.ledger.entries[0]!.completionTokens).toBeGreaterThan(0);
	});

	test('a canonical answer is rendered for the client door (Anthropic messages)', async () => {
		const w = relayWorld();
		const codec = codecFor('messages');
		const call = fakeCall(w, { codec });
		const outcome = await deliver(call, live({ route: { native: false, door: 'chat', render: true } }), Response.json(completion));
		if (outcome.kind !== 'answered') throw new Error(outcome.kind);
		expect(await outcome.response.json()).toMatchObject({ type: 'message', role: 'assistant', content: [{ type: 'text', text: 'hello' }] });
	});

	test('an unreadable or oversized answer fails the attempt (retryable) and settles nothing', async () => {
		const w = relayWorld();
		expect(await deliver(fakeCall(w), live(), new Response('not json'))).toMatchObject({ kind: 'failed', failure: { kind: 'retry', cause: 'bad-response' } });
		w.ctx.answerLimit = 10;
		expect(await deliver(fakeCall(w), live(), Response.json(completion))).toMatchObject({ kind: 'failed', failure: { kind: 'retry', message: expect.stringContaining('larger than') } });
		expect(w.ledger.entries).toHaveLength(0);
	});

	test('a stream is committed at its first event and settled when it ends, with the reported usage', async () => {
		const w = relayWorld();
		const call = fakeCall(w, { stream: true });
		const chunk = { id: 'c1', object: 'chat.completion.chunk', created: 1, model: 'up', choices: [{ index: 0, delta: { content: 'hi' }, finish_reason: null }] };
		const usage = { ...chunk, choices: [], usage: { prompt_tokens: 4, completion_tokens: 1, total_tokens: 5 } };
		const outcome = await deliver(call, live(), sse([chunk, usage, '[DONE]']));
		if (outcome.kind !== 'answered') throw new Error(outcome.kind);
		expect(outcome.streaming).toBe(true);
		expect(w.ledger.entries).toHaveLength(0);
		expect(await outcome.response.text()).toContain('"content":"hi"');
		expect(w.ledger.entries).toEqual([expect.objectContaining({ status: 200, promptTokens: 4, completionTokens: 1, stream: true })]);
	});

	test('a stream call answered without an event stream fails the attempt before anything is sent', async () => {
		const w = relayWorld();
		const outcome = await deliver(fakeCall(w, { stream: true }), live(), Response.json(completion));
		expect(outcome).toMatchObject({ kind: 'failed', failure: { kind: 'retry', message: 'The upstream did not stream its answer.' } });
	});
});
