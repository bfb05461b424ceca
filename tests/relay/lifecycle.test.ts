import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import OpenAI from 'openai';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { freshDatabase, type TestDatabase } from '../harness/database';
import { eventually } from '../harness/eventually';
import { TEST_SECRET_KEY, fixtures, keyIsLive, openaiChannel, priceModels, userWithKey, type Fixtures } from '../harness/fixtures';
import { startMockUpstream, type MockUpstream } from '../harness/mock-upstream';
import { startServer } from '../harness/server';

let db: TestDatabase;
let fx: Fixtures;
let mock: MockUpstream;
let key: string;
const dataDir = mkdtempSync(join(tmpdir(), 'elygate-test-data-'));
const env = () => ({ DATABASE_URL: db.url, ELYGATE_SECRET_KEY: TEST_SECRET_KEY });

beforeAll(async () => {
	db = await freshDatabase({ migrated: true });
	fx = fixtures(db.url);
	mock = await startMockUpstream();
	// A bare host: the gateway adds /v1 itself.
	await openaiChannel(fx, mock.url, { models: ['gpt-4o-mini'] });
	await priceModels(fx, ['gpt-4o-mini']);
	({ key } = await userWithKey(fx));
});

afterAll(async () => {
	await mock?.close();
	await fx?.close();
	await db?.drop();
});

async function openStream(serverUrl: string) {
	const res = await fetch(`${serverUrl}/v1/chat/completions`, {
		method: 'POST',
		headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
		body: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }], stream: true })
	});
	expect(res.status).toBe(200);
	const reader = res.body!.getReader();
	await reader.read(); // the first chunk is here: the stream is live
	return { reader, requestId: res.headers.get('x-request-id') ?? '' };
}

async function rest(reader: ReadableStreamDefaultReader<Uint8Array>): Promise<string> {
	const decoder = new TextDecoder();
	let text = '';
	try {
		for (;;) {
			const { done, value } = await reader.read();
			if (done) return text;
			text += decoder.decode(value, { stream: true });
		}
	} catch {
		return text; // the server cut the connection
	}
}

test('a base URL without /v1 reaches the upstream at /v1', async () => {
	const server = await startServer({ dataDir, env: env() });
	try {
		await keyIsLive(server.url, key);
		mock.reset();
		const client = new OpenAI({ baseURL: `${server.url}/v1`, apiKey: key, maxRetries: 0 });
		await client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] });
		expect(mock.requests[0]?.path).toBe('/v1/chat/completions');
	} finally {
		await server.stop();
	}
});

test('SIGTERM: readiness turns 503, new calls are refused, running streams finish and are logged once, exit 0', async () => {
	const server = await startServer({ dataDir, env: { ...env(), SHUTDOWN_DRAIN_SECONDS: '20' } });
	await keyIsLive(server.url, key);
	const gate = mock.gate();
	mock.enqueue({ kind: 'ok', gate, gateAfterChunk: 1 }, { kind: 'ok', gate, gateAfterChunk: 1 });
	const streams = [await openStream(server.url), await openStream(server.url)];
	server.proc.kill('SIGTERM');
	await eventually(() => expect(server.records().some((r) => String(r.msg).startsWith('SIGTERM: shutting down'))).toBe(true));
	expect((await fetch(`${server.url}/api/ready`)).status).toBe(503);
	const refused = await fetch(`${server.url}/v1/chat/completions`, {
		method: 'POST',
		headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
		body: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'too late' }] })
	});
	expect(refused.status).toBe(503);
	expect(((await refused.json()) as { error: { code: string } }).error.code).toBe('shutting_down');
	gate.release();
	for (const { reader } of streams) expect((await rest(reader)).trimEnd().endsWith('data: [DONE]')).toBe(true);
	expect(await server.proc.exited).toBe(0);
	const ids = streams.map((s) => s.requestId);
	const rows = await db.sql`select request_id, status from request_logs where request_id in ${db.sql(ids)}`;
	expect(rows.map((r) => [r.request_id, r.status]).sort()).toEqual(ids.map((id) => [id, 200]).sort());
	const [late] = await db.sql`select count(*)::int as n from request_logs where created_at > now() - interval '1 minute' and status = 503`;
	expect(late?.n).toBe(0);
});

test('an upstream silent for 5 s outlives a 2 s server idle timeout (first-byte timeouts 10 s): before the first byte or mid-stream', async () => {
	await db.sql`insert into options (key, value) values ('relay.first_byte_timeout_ms', '10000'::jsonb), ('relay.stream_first_byte_timeout_ms', '10000'::jsonb)
		on conflict (key) do update set value = excluded.value`;
	const server = await startServer({ dataDir, env: { ...env(), IDLE_TIMEOUT: '2' } });
	try {
		await keyIsLive(server.url, key);
		mock.reset();
		mock.setDefault({ kind: 'ok', delayMs: 5000 });
		const client = new OpenAI({ baseURL: `${server.url}/v1`, apiKey: key, maxRetries: 0, timeout: 30_000 });
		const streamText = async () => {
			let text = '';
			for await (const c of await client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'think' }], stream: true })) {
				text += c.choices[0]?.delta.content ?? '';
			}
			return text;
		};
		// Silent before the first byte, streamed and not...
		const silentFirst = [client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'think' }] }), streamText()];
		await eventually(() => expect(mock.requests).toHaveLength(2));
		// ...and silent for 5 s in the middle of a stream.
		const gate = mock.gate();
		mock.enqueue({ kind: 'ok', gate, gateAfterChunk: 1 });
		const pausing = streamText();
		await eventually(() => expect(mock.requests).toHaveLength(3));
		const release = setTimeout(() => gate.release(), 5000);
		try {
			const [plain, streamed, paused] = await Promise.all([...silentFirst, pausing]);
			expect(plain).toMatchObject({ choices: [{ message: { content: 'Hello from the mock.' } }] });
			expect(streamed).toBe('Hello from the mock.');
			expect(paused).toBe('Hello from the mock.');
		} finally {
			clearTimeout(release);
		}
	} finally {
		mock.reset();
		await db.sql`delete from options where key in ('relay.first_byte_timeout_ms', 'relay.stream_first_byte_timeout_ms')`;
		await server.stop();
	}
});

test('a stream still running at the drain deadline is cut, settled as aborted, and flushed before exit', async () => {
	const server = await startServer({ dataDir, env: { ...env(), SHUTDOWN_DRAIN_SECONDS: '1' } });
	await keyIsLive(server.url, key);
	mock.enqueue({ kind: 'ok', gate: mock.gate(), gateAfterChunk: 1 }); // never released
	const { reader, requestId } = await openStream(server.url);
	server.proc.kill('SIGTERM');
	const text = await rest(reader);
	expect(text).not.toContain('[DONE]');
	expect(await server.proc.exited).toBe(0);
	const [row] = await db.sql`select status, error from request_logs where request_id = ${requestId}`;
	expect(row?.status).toBe(499);
});

test('the SvelteKit /v1 route (what vite dev serves) relays a real call too', async () => {
	const kit = await startServer({ entry: 'build/index.js', dataDir, env: env() });
	try {
		await keyIsLive(kit.url, key);
		const client = new OpenAI({ baseURL: `${kit.url}/v1`, apiKey: key, maxRetries: 0 });
		const completion = await client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] });
		expect(completion.choices[0]?.message.content).toBe('Hello from the mock.');
		let streamed = '';
		for await (const c of await client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }], stream: true })) {
			streamed += c.choices[0]?.delta.content ?? '';
		}
		expect(streamed).toBe('Hello from the mock.');
	} finally {
		await kit.stop();
	}
});
