import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import OpenAI from 'openai';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { freshDatabase, type TestDatabase } from '../harness/database';
import { eventually } from '../harness/eventually';
import { TEST_SECRET_KEY, fixtures, keyIsLive, openaiChannel, userWithKey, type Fixtures } from '../harness/fixtures';
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

test('SIGTERM lets a running stream finish, then flushes its log row, then exits 0', async () => {
	const server = await startServer({ dataDir, env: { ...env(), SHUTDOWN_DRAIN_SECONDS: '20' } });
	await keyIsLive(server.url, key);
	const gate = mock.gate();
	mock.enqueue({ kind: 'ok', gate, gateAfterChunk: 1 });
	const { reader, requestId } = await openStream(server.url);
	server.proc.kill('SIGTERM');
	await eventually(() => expect(server.records().some((r) => String(r.msg).startsWith('SIGTERM: shutting down'))).toBe(true));
	gate.release();
	const text = await rest(reader);
	expect(text.trimEnd().endsWith('data: [DONE]')).toBe(true);
	expect(await server.proc.exited).toBe(0);
	const [row] = await db.sql`select status from request_logs where request_id = ${requestId}`;
	expect(row?.status).toBe(200);
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
