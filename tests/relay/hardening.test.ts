import type { ServerResponse } from 'node:http';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ApiClient } from '../harness/api-client';
import { expectBooksBalance } from '../harness/books';
import { freshDatabase, type TestDatabase } from '../harness/database';
import { eventually } from '../harness/eventually';
import { TEST_SECRET_KEY, fixtures, keyIsLive, modelIsListed, openaiChannel, priceModels, userWithKey, type Fixtures } from '../harness/fixtures';
import { startHttpMock, type HttpMock, type RecordedRequest } from '../harness/mock-http';
import { startMockUpstream, type MockUpstream } from '../harness/mock-upstream';
import { startServer, type TestServer } from '../harness/server';

/**
 * The relay's defences against upstreams and clients that would make it lose money or
 * memory: reservations that cover what a request can cost, redirects not followed, metadata
 * hosts refused at connect time, clients that leave early still billed, and upstream bodies
 * read under a cap.
 */

const ADMIN_TOKEN = 'hardening-admin-token-0123456789abcdef';
const ANSWER_LIMIT = 1024 * 1024;

let db: TestDatabase;
let fx: Fixtures;
let server: TestServer;
let admin: ApiClient;
/** Answers well: the channel calls fail over to. */
let healthy: MockUpstream;
/** Misbehaves in the way each upstream key asks for. */
let rogue: HttpMock;
/** Where redirects point: it must never be called. */
let elsewhere: HttpMock;
let serial = 0;
const gates = new Map<string, () => void>();

beforeAll(async () => {
	db = await freshDatabase();
	fx = fixtures(db.url);
	healthy = await startMockUpstream();
	elsewhere = await startHttpMock((_req, res) => void res.writeHead(200, { 'content-type': 'application/json' }).end('{"stolen":true}'));
	rogue = await startHttpMock((req, res) => misbehave(req, res));
	server = await startServer({
		env: { DATABASE_URL: db.url, ELYGATE_SECRET_KEY: TEST_SECRET_KEY, ELYGATE_ADMIN_TOKEN: ADMIN_TOKEN, RELAY_MAX_ANSWER: String(ANSWER_LIMIT) }
	});
	admin = new ApiClient(server.url, { bearer: ADMIN_TOKEN });
});

afterAll(async () => {
	await server?.stop();
	for (const mock of [healthy, rogue, elsewhere]) await mock?.close();
	await fx?.close();
	await db?.drop();
});

const bearerOf = (req: RecordedRequest) => /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1] ?? '';

async function misbehave(req: RecordedRequest, res: ServerResponse): Promise<void> {
	const scenario = bearerOf(req).replace(/^sk-rogue-/, '').replace(/-\d+$/, '');
	switch (scenario) {
		case 'redirect-302':
		case 'redirect-307':
			res.writeHead(Number(scenario.slice(-3)), { location: `${elsewhere.url}/v1/chat/completions`, 'content-length': '0' }).end();
			return;
		case 'endless-answer':
			res.writeHead(200, { 'content-type': 'application/json' });
			return endless(res);
		case 'declared-huge':
			res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(ANSWER_LIMIT * 4) });
			return endless(res);
		case 'endless-error':
			res.writeHead(500, { 'content-type': 'application/json' });
			return endless(res);
		case 'pdf-usage':
			res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(completion({ prompt_tokens: 5_000_000, completion_tokens: 10 })));
			return;
		case 'usage-after-gate':
		case 'silent-after-role': {
			res.writeHead(200, { 'content-type': 'text/event-stream' });
			res.write(sse(chunk({ role: 'assistant', content: '' })));
			if (scenario === 'silent-after-role') return; // says nothing more until the caller hangs up
			res.write(sse(chunk({ content: 'Forty-two.' })) + sse(chunk({}, 'stop')));
			await new Promise<void>((release) => gates.set(bearerOf(req), release));
			res.end(sse({ ...chunk({}), choices: [], usage: { prompt_tokens: 30, completion_tokens: 50_000, completion_tokens_details: { reasoning_tokens: 49_990 } } }) + 'data: [DONE]\n\n');
			return;
		}
		default:
			res.writeHead(404).end();
	}
}

/** Writes 64 KiB pieces until the caller hangs up. */
function endless(res: ServerResponse): void {
	const piece = 'x'.repeat(64 * 1024);
	const more = () => {
		if (res.destroyed) return;
		if (res.write(piece)) setImmediate(more);
		else res.once('drain', more);
	};
	res.on('error', () => {});
	more();
}

const sse = (event: unknown) => `data: ${JSON.stringify(event)}\n\n`;
const chunk = (delta: Record<string, unknown>, finish: string | null = null) => ({
	id: 'chatcmpl-rogue',
	object: 'chat.completion.chunk',
	created: 1,
	model: 'rogue',
	choices: [{ index: 0, delta, finish_reason: finish }]
});
const completion = (usage: { prompt_tokens: number; completion_tokens: number }) => ({
	id: 'chatcmpl-rogue',
	object: 'chat.completion',
	created: 1,
	model: 'rogue',
	choices: [{ index: 0, message: { role: 'assistant', content: 'ok' }, finish_reason: 'stop' }],
	usage: { ...usage, total_tokens: usage.prompt_tokens + usage.completion_tokens }
});

/** A model served first by a rogue channel (the scenario) and, when `fallback`, then by a healthy one. */
async function scenario(name: string, opts: { fallback?: boolean; price?: { modelRatio: number; completionRatio: number } } = {}) {
	const model = `${name}-${++serial}`;
	const upstreamKey = `sk-rogue-${name}-${serial}`;
	await openaiChannel(fx, `${rogue.url}/v1`, { models: [model], keys: [upstreamKey], priority: 10 });
	if (opts.fallback) await openaiChannel(fx, `${healthy.url}/v1`, { models: [model], priority: 0 });
	await priceModels(fx, [model], opts.price);
	return { model, upstreamKey };
}

async function customer(quota: number) {
	const { key, userId } = await userWithKey(fx, { quota });
	await keyIsLive(server.url, key);
	return { key, userId, client: new OpenAI({ baseURL: `${server.url}/v1`, apiKey: key, maxRetries: 0, timeout: 20_000 }) };
}

async function balance(userId: number): Promise<number> {
	const [row] = await db.sql`select quota::int8 as quota from users where id = ${userId}`;
	return Number(row!.quota);
}

async function logOf(requestId: string) {
	return eventually(async () => {
		const [row] = await db.sql`select * from request_logs where request_id = ${requestId}`;
		expect(row).toBeDefined();
		return row!;
	});
}

function chatPost(key: string, body: unknown, signal?: AbortSignal) {
	return fetch(`${server.url}/v1/chat/completions`, {
		method: 'POST',
		headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
		body: JSON.stringify(body),
		signal
	});
}

describe('reservations cover what a request can cost', () => {
	// gpt-4o-mini's list price: USD 0.15 / 0.60 per million tokens.
	const price = { modelRatio: 0.075, completionRatio: 4 };
	const pdfCall = (model: string) => ({
		model,
		max_tokens: 10,
		messages: [{ role: 'user', content: [{ type: 'text', text: 'Summarise.' }, { type: 'file', file: { filename: 'big.pdf', file_data: `data:application/pdf;base64,${'JVBERi0'.repeat(450_000)}` } }] }]
	});

	test('eight concurrent 3 MB PDF calls cannot overdraw a small balance by more than one call', async () => {
		const { model } = await scenario('pdf-usage', { price });
		const body = pdfCall(model);
		// The file alone is ~3 MB, ~1M tokens at a token per 3 bytes: about USD 0.16 held per call.
		const poor = await customer(50_000); // USD 0.10
		await modelIsListed(server.url, poor.key, model);
		const refused = await Promise.all(Array.from({ length: 8 }, () => chatPost(poor.key, body)));
		expect(refused.map((r) => r.status)).toEqual(Array(8).fill(429));
		expect(rogue.requests.filter((r) => (r.body as { model?: string }).model === model)).toHaveLength(0);
		expect(await balance(poor.userId)).toBe(50_000);

		// A balance that covers one reservation and a half: one call runs at a time, so however much
		// the upstream bills (5M prompt tokens here), only one call's overrun goes below zero.
		const reservation = Math.ceil((Buffer.byteLength(JSON.stringify(body)) / 3 + 10 * 4) * 0.075);
		const cost = Math.round((5_000_000 + 10 * 4) * 0.075);
		const start = Math.ceil(reservation * 1.5);
		const one = await customer(start);
		const statuses = (await Promise.all(Array.from({ length: 8 }, () => chatPost(one.key, body)))).map((r) => r.status);
		expect(statuses.filter((s) => s === 200)).toHaveLength(1);
		expect(statuses.filter((s) => s === 429)).toHaveLength(7);
		await eventually(async () => expect(await balance(one.userId)).toBe(start - cost));
		expect(start - cost).toBeGreaterThanOrEqual(-(cost - reservation));
		await expectBooksBalance(db.sql);
	});

	test('a call without max_tokens is sent with the limit its reservation covers', async () => {
		const model = `limits-${++serial}`;
		const reasoning = `o4-limits-${serial}`;
		await openaiChannel(fx, `${healthy.url}/v1`, { models: [model, reasoning] });
		await priceModels(fx, [model], { modelRatio: 1, completionRatio: 1, defaultOutputReserve: 777 });
		await priceModels(fx, [reasoning], { modelRatio: 1, completionRatio: 1, defaultOutputReserve: 888 });
		const { client, key } = await customer(100_000_000);
		await modelIsListed(server.url, key, reasoning);
		healthy.reset();
		await client.chat.completions.create({ model, messages: [{ role: 'user', content: 'hi' }] });
		await client.chat.completions.create({ model: reasoning, messages: [{ role: 'user', content: 'hi' }] });
		await client.chat.completions.create({ model, messages: [{ role: 'user', content: 'hi' }], max_tokens: 5 });
		await client.completions.create({ model, prompt: 'hi', best_of: 3, n: 2 });
		const bodies = healthy.requests.map((r) => r.body as Record<string, unknown>);
		expect(bodies[0]).toMatchObject({ max_tokens: 777 });
		// OpenAI's reasoning models take the limit only under its newer name.
		expect(bodies[1]).toMatchObject({ max_completion_tokens: 888 });
		expect(bodies[1]).not.toHaveProperty('max_tokens');
		expect(bodies[2]).toEqual({ model, messages: [{ role: 'user', content: 'hi' }], max_tokens: 5 });
		// Legacy completions: the API's own default, now explicit.
		expect(bodies[3]).toMatchObject({ max_tokens: 16, best_of: 3, n: 2 });
	});

	test('n choices are reserved n times', async () => {
		const model = `choices-${++serial}`;
		await openaiChannel(fx, `${healthy.url}/v1`, { models: [model] });
		await priceModels(fx, [model], { modelRatio: 1, completionRatio: 1 });
		// Enough for one choice of 1,000 tokens (plus the prompt), not for three.
		const { client, key } = await customer(2_000);
		await modelIsListed(server.url, key, model);
		const ask = (n: number) => client.chat.completions.create({ model, n, max_tokens: 1000, messages: [{ role: 'user', content: 'hi' }] });
		await expect(ask(3)).rejects.toMatchObject({ status: 429, code: 'insufficient_quota' });
		await expect(ask(1)).resolves.toMatchObject({ object: 'chat.completion' });
		// Legacy completions generate (and bill) best_of choices, however few they return.
		const complete = (bestOf: number) => client.completions.create({ model, prompt: 'hi', n: 1, best_of: bestOf, max_tokens: 800 });
		await expect(complete(3)).rejects.toMatchObject({ status: 429, code: 'insufficient_quota' });
		await expect(complete(1)).resolves.toMatchObject({ object: 'text_completion' });
	});
});

describe('upstream redirects are failures, never followed', () => {
	for (const status of [302, 307]) {
		test(`a ${status} fails over to the next channel; the redirect target is never called`, async () => {
			const { model } = await scenario(`redirect-${status}`, { fallback: true });
			const { client, key } = await customer(100_000_000);
			await modelIsListed(server.url, key, model);
			const { data, response } = await client.chat.completions.create({ model, messages: [{ role: 'user', content: 'hi' }] }).withResponse();
			expect(data.choices[0]?.message.content).toBe('Hello from the mock.');
			expect(elsewhere.requests).toHaveLength(0);
			const row = await logOf(response.headers.get('x-request-id') ?? '');
			expect(row).toMatchObject({ status: 200, attempts: 2 });
		});
	}

	test('with no channel left, the client gets a 502 and nothing from the redirect target', async () => {
		const { model } = await scenario('redirect-302');
		const { key } = await customer(100_000_000);
		await modelIsListed(server.url, key, model);
		const res = await chatPost(key, { model, messages: [{ role: 'user', content: 'hi' }] });
		expect(res.status).toBe(502);
		expect(JSON.stringify(await res.json())).not.toContain('stolen');
		expect(elsewhere.requests).toHaveLength(0);
	});
});

describe('cloud metadata hosts', () => {
	test('are refused at save, however the address is spelled', async () => {
		for (const host of ['[::a9fe:a9fe]', '[::ffff:169.254.169.254]', '[64:ff9b::a9fe:a9fe]', '169.254.169.254', 'metadata.google.internal']) {
			const res = await admin.post('/api/channels', { type: 'openai', name: `meta ${host}`, baseUrl: `http://${host}/v1`, models: ['m'], keys: ['sk-x'] });
			expect(res.status, host).toBe(400);
			expect(res.body.error.field).toBe('baseUrl');
		}
	});

	test('are refused at connect time, whatever the stored URL says', async () => {
		const model = `meta-${++serial}`;
		const channel = await openaiChannel(fx, `${healthy.url}/v1`, { models: [model] });
		await priceModels(fx, [model]);
		const { key } = await customer(100_000_000);
		await modelIsListed(server.url, key, model);
		// Written behind the service's back, as a restored backup or a hand edit could.
		await db.sql`update channels set base_url = 'http://[::a9fe:a9fe]/v1' where id = ${channel.id}`;
		await db.sql`select pg_notify('elygate_state', ${JSON.stringify({ kind: 'channel', id: channel.id })})`;
		const res = await eventually(async () => {
			const r = await chatPost(key, { model, messages: [{ role: 'user', content: 'hi' }] });
			expect(r.status).toBe(502);
			return r;
		});
		const row = await logOf(res.headers.get('x-request-id') ?? '');
		expect(row.error).toMatch(/metadata/);
	});
});

describe('a client that leaves early still pays', () => {
	test('leaving after finish_reason, before the usage chunk: billed the usage the upstream reports', async () => {
		const { model, upstreamKey } = await scenario('usage-after-gate');
		const { key, userId } = await customer(100_000_000);
		await modelIsListed(server.url, key, model);
		expect((await admin.patch('/api/options', { 'relay.client_gone_drain_ms': 30_000 })).status).toBe(200);
		const controller = new AbortController();
		const res = await chatPost(key, { model, messages: [{ role: 'user', content: 'hi' }], stream: true }, controller.signal);
		expect(res.status).toBe(200);
		const reader = res.body!.getReader();
		let seen = '';
		while (!seen.includes('"finish_reason":"stop"')) seen += new TextDecoder().decode((await reader.read()).value);
		controller.abort();
		await eventually(() => expect(gates.has(upstreamKey)).toBe(true));
		gates.get(upstreamKey)!();
		const row = await logOf(res.headers.get('x-request-id') ?? '');
		// 499 once the gateway noticed the hang-up, 200 if the last bytes still went out to the
		// closed socket first (the kernel decides); either way the call pays what was reported.
		expect([200, 499]).toContain(row.status);
		expect(row).toMatchObject({ prompt_tokens: '30', completion_tokens: '50000', reasoning_tokens: '49990', estimated: false });
		expect(Number(row.cost)).toBe(30 + 50_000);
		await eventually(async () => expect(await balance(userId)).toBe(100_000_000 - 50_030));
	});

	test('leaving after the role chunk: billed at least the prompt', async () => {
		const { model } = await scenario('silent-after-role');
		const { key } = await customer(100_000_000);
		await modelIsListed(server.url, key, model);
		expect((await admin.patch('/api/options', { 'relay.client_gone_drain_ms': 200 })).status).toBe(200);
		const controller = new AbortController();
		const prompt = 'Please count the words in this sentence for me.';
		const res = await chatPost(key, { model, messages: [{ role: 'user', content: prompt }], stream: true }, controller.signal);
		expect(res.status).toBe(200);
		await res.body!.getReader().read();
		controller.abort();
		const row = await logOf(res.headers.get('x-request-id') ?? '');
		expect(row).toMatchObject({ status: 499, completion_tokens: '0', estimated: true });
		expect(Number(row.prompt_tokens)).toBeGreaterThan(5);
		expect(Number(row.cost)).toBe(Number(row.prompt_tokens));
	});
});

describe('upstream bodies are read under a cap', () => {
	test('an endless answer fails the attempt at the cap, and the call fails over', async () => {
		for (const name of ['endless-answer', 'declared-huge']) {
			const { model } = await scenario(name, { fallback: true });
			const { client, key } = await customer(100_000_000);
			await modelIsListed(server.url, key, model);
			const { data, response } = await client.chat.completions.create({ model, messages: [{ role: 'user', content: 'hi' }] }).withResponse();
			expect(data.choices[0]?.message.content).toBe('Hello from the mock.');
			const row = await logOf(response.headers.get('x-request-id') ?? '');
			expect(row, name).toMatchObject({ status: 200, attempts: 2 });
		}
	});

	test('an endless error body is read only as far as its message, and the call fails over', async () => {
		const { model } = await scenario('endless-error', { fallback: true });
		const { client, key } = await customer(100_000_000);
		await modelIsListed(server.url, key, model);
		const { data } = await client.chat.completions.create({ model, messages: [{ role: 'user', content: 'hi' }] }).withResponse();
		expect(data.choices[0]?.message.content).toBe('Hello from the mock.');
	});
});
