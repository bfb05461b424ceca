import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { azureAdaptor } from '../../src/lib/server/providers/azure';
import type { Door } from '../../src/lib/server/providers/types';
import { channelState } from '../../src/lib/server/testing/channel-state';
import { sseDataOf } from '../../src/lib/server/testing/sse';
import { azureErrors, startMockAzure, type MockAzure } from './mock-azure';

let azure: MockAzure;
beforeAll(async () => {
	azure = await startMockAzure({ apiKey: 'k-azure', deployments: ['prod-4o', 'o3-mini', 'embed'], bearerToken: 'entra-token' });
});
afterAll(() => azure.close());
beforeEach(() => azure.reset());

type Json = Record<string, unknown>;
const messages = [{ role: 'user', content: 'hi' }];

function post(path: string, body: unknown, headers: Record<string, string> = { 'api-key': 'k-azure' }) {
	return fetch(`${azure.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
}

/** A call the way the gateway makes it: the adaptor builds it, the mock answers, the adaptor reads it. */
async function viaAdaptor(body: Json, opts: { config?: Json; door?: Door; upstreamModel?: string; clientWantsUsage?: boolean } = {}) {
	const stream = body.stream === true;
	const out = azureAdaptor.buildRequest({
		channel: channelState(1, { type: 'azure', baseUrl: `${azure.url}/v1`, config: opts.config ?? {} }),
		secret: 'k-azure',
		door: opts.door ?? 'chat',
		body,
		rawBody: JSON.stringify(body),
		upstreamModel: opts.upstreamModel ?? String(body.model),
		stream
	});
	const res = await fetch(out.url, { method: 'POST', headers: out.headers, body: out.body });
	const text = await res.text();
	if (!res.ok) return { status: res.status, failure: azureAdaptor.classifyFailure(res.status, res.headers, text) };
	if (!stream) return { status: res.status, finished: azureAdaptor.finishResponse(opts.door ?? 'chat', text, String(body.model)) };
	const t = azureAdaptor.createStreamTranslator({ publicModel: String(body.model), clientWantsUsage: opts.clientWantsUsage ?? false, door: 'chat' });
	const streamed = (t.push(new TextEncoder().encode(text)) as string) + (t.end() as string);
	return { status: res.status, raw: text, streamed, t };
}

describe('validation', () => {
	test('paths, api-version, auth and deployments', async () => {
		expect((await post('/openai/deployments/prod-4o/chat/completions?api-version=2024-10-21', { messages })).status).toBe(200);
		expect((await post('/openai/deployments/prod-4o/chat/completions', { messages })).status).toBe(404);
		expect((await post('/openai/deployments/prod-4o/chat/completions?api-version=latest-ish', { messages })).status).toBe(404);
		expect((await post('/v1/chat/completions', { messages })).status).toBe(404);
		const denied = await post('/openai/v1/chat/completions', { model: 'prod-4o', messages }, { 'api-key': 'wrong' });
		expect(denied.status).toBe(401);
		expect(((await denied.json()) as { error: Json }).error.code).toBe('401');
		expect((await post('/openai/v1/chat/completions', { model: 'prod-4o', messages }, { authorization: 'Bearer entra-token' })).status).toBe(200);
		const missing = await post('/openai/deployments/gpt-9/chat/completions?api-version=2024-10-21', { messages });
		expect(missing.status).toBe(404);
		expect(((await missing.json()) as { error: Json }).error.code).toBe('DeploymentNotFound');
		expect((await post('/openai/v1/chat/completions', { messages })).status).toBe(400);
	});

	test('body shape, fields per api-version, reasoning parameters', async () => {
		const status = async (path: string, body: unknown) => (await post(path, body)).status;
		const ga = '/openai/deployments/prod-4o/chat/completions?api-version=2024-10-21';
		expect(await status(ga, 'nope')).toBe(400);
		expect(await status(ga, { messages: [] })).toBe(400);
		expect(await status(ga, { messages: [{ role: 'robot', content: 'x' }] })).toBe(400);
		expect(await status(ga, { messages, store: true })).toBe(400);
		expect(await status(ga, { messages: [{ role: 'developer', content: 'x' }] })).toBe(400);
		expect(await status('/openai/deployments/prod-4o/chat/completions?api-version=2025-04-01-preview', { messages, store: true })).toBe(200);
		expect(await status('/openai/deployments/prod-4o/chat/completions?api-version=2024-06-01', { messages, stream_options: { include_usage: true } })).toBe(400);
		const reasoning = await post('/openai/deployments/o3-mini/chat/completions?api-version=2025-04-01-preview', { messages, max_tokens: 5 });
		expect(reasoning.status).toBe(400);
		expect(((await reasoning.json()) as { error: Json }).error).toMatchObject({ code: 'unsupported_parameter', param: 'max_tokens' });
		expect(await status('/openai/deployments/o3-mini/chat/completions?api-version=2025-04-01-preview', { messages, max_completion_tokens: 5 })).toBe(200);
	});
});

describe('answers', () => {
	test('non-stream: the underlying model name, filter results, usage', async () => {
		const body = (await (await post('/openai/deployments/prod-4o/chat/completions?api-version=2024-10-21', { messages })).json()) as Json;
		expect(body).toMatchObject({
			model: 'gpt-4o-2024-08-06',
			object: 'chat.completion',
			prompt_filter_results: [expect.any(Object)],
			choices: [{ message: { content: 'Hello from Azure.', role: 'assistant' }, finish_reason: 'stop', content_filter_results: expect.any(Object) }],
			usage: { prompt_tokens: 11, completion_tokens: 4, total_tokens: 15 }
		});
	});

	test('stream: the filter-only chunk first, usage only when asked, [DONE] last', async () => {
		const path = '/openai/deployments/prod-4o/chat/completions?api-version=2024-10-21';
		const events = sseDataOf(await (await post(path, { messages, stream: true, stream_options: { include_usage: true } })).text()) as Json[];
		expect(events[0]).toMatchObject({ choices: [], id: '', created: 0 });
		expect(events.at(-1)).toBe('[DONE]');
		expect(events.at(-2)).toMatchObject({ choices: [], usage: { total_tokens: 15 } });
		const plain = await (await post(path, { messages, stream: true })).text();
		expect(plain).not.toContain('"usage"');
	});

	test('scripted errors are answered in order', async () => {
		azure.enqueue(azureErrors.rateLimited(3), azureErrors.contentFilter(), azureErrors.unavailable());
		const path = '/openai/deployments/prod-4o/chat/completions?api-version=2024-10-21';
		const limited = await post(path, { messages });
		expect([limited.status, limited.headers.get('retry-after')]).toEqual([429, '3']);
		expect((await post(path, { messages })).status).toBe(400);
		expect((await post(path, { messages })).status).toBe(503);
		expect((await post(path, { messages })).status).toBe(200);
		// Invalid requests do not consume the script.
		azure.enqueue(azureErrors.unavailable());
		expect((await post(path, { messages: [] })).status).toBe(400);
		expect((await post(path, { messages })).status).toBe(503);
	});
});

describe('through the adaptor', () => {
	test('a reasoning deployment gets a body it accepts, and the answer comes back public', async () => {
		const r = await viaAdaptor({ model: 'o3-mini', messages: [{ role: 'system', content: 's' }, ...messages], max_tokens: 50, temperature: 0.3 }, { config: { apiVersion: '2025-04-01-preview' } });
		expect(r.status).toBe(200);
		expect(JSON.parse(r.finished!.body)).toMatchObject({ model: 'o3-mini' });
		expect(azure.requests.at(-1)!.body).toEqual({ messages: [{ role: 'developer', content: 's' }, ...messages], max_completion_tokens: 50 });
	});

	test('v1 style with a deployment map, streaming with tool calls and async filter', async () => {
		azure.enqueue({ kind: 'ok', toolCalls: [{ id: 'call_1', name: 'f', arguments: '{"a":1}' }, { id: 'call_2', name: 'g', arguments: '{}' }], asyncFilter: true });
		const r = await viaAdaptor({ model: 'smart', messages, stream: true, store: true }, { config: { apiVersion: 'v1', deployments: { smart: 'prod-4o' } }, clientWantsUsage: true });
		expect(r.status).toBe(200);
		expect(azure.requests.at(-1)!.path).toBe('/openai/v1/chat/completions');
		expect(r.raw).toContain('prompt_filter_results');
		expect(r.streamed).not.toContain('prompt_filter_results');
		const chunks = sseDataOf(r.streamed!).slice(0, -1) as Array<Json & { choices: Array<{ delta: { tool_calls?: Json[] } }> }>;
		expect(chunks.every((c) => c.model === 'smart')).toBe(true);
		expect(chunks.flatMap((c) => c.choices[0]?.delta.tool_calls ?? []).map((c) => c.index)).toEqual([0, 0, 0, 1, 1, 1]);
		expect(r.t!.usage()).toMatchObject({ inputUncached: 11, output: 1 });
	});

	test('failures classify: rate limit, content filter, missing deployment', async () => {
		azure.enqueue(azureErrors.rateLimited(2), azureErrors.contentFilter());
		expect((await viaAdaptor({ model: 'prod-4o', messages })).failure).toMatchObject({ kind: 'cool', retryAfterMs: 2000 });
		expect((await viaAdaptor({ model: 'prod-4o', messages })).failure).toMatchObject({ kind: 'client', code: 'content_filter' });
		expect((await viaAdaptor({ model: 'gpt-9', messages })).failure).toMatchObject({ kind: 'model-unavailable' });
	});

	test('embeddings and legacy completions', async () => {
		const e = await viaAdaptor({ model: 'embed', input: ['a', 'b'] }, { door: 'embeddings' });
		expect(JSON.parse(e.finished!.body)).toMatchObject({ model: 'embed', data: [expect.any(Object), expect.any(Object)] });
		const c = await viaAdaptor({ model: 'prod-4o', prompt: 'x', max_tokens: 3 }, { door: 'completions' });
		expect(c.finished!.usage?.inputUncached).toBe(11);
	});
});
