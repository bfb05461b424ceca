import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ApiClient } from '../harness/api-client';
import { freshDatabase, type TestDatabase } from '../harness/database';
import { TEST_SECRET_KEY, fixtures, keyIsLive, modelIsListed, openaiChannel, priceModels, userWithKey, type Fixtures } from '../harness/fixtures';
import { startMockUpstream, type MockUpstream } from '../harness/mock-upstream';
import { startServer, type TestServer } from '../harness/server';

const ADMIN_TOKEN = 'root-automation-token-hostile-0123456789';

let db: TestDatabase;
let fx: Fixtures;
let server: TestServer;
let root: ApiClient;
let key: string;
let mock: MockUpstream;

beforeAll(async () => {
	db = await freshDatabase();
	fx = fixtures(db.url);
	server = await startServer({ env: { DATABASE_URL: db.url, ELYGATE_SECRET_KEY: TEST_SECRET_KEY, ELYGATE_ADMIN_TOKEN: ADMIN_TOKEN, BODY_TIMEOUT_SECONDS: '1' } });
	root = new ApiClient(server.url, { bearer: ADMIN_TOKEN });
	mock = await startMockUpstream();
	await openaiChannel(fx, `${mock.url}/v1`, { models: ['gpt-4o-mini'] });
	await priceModels(fx, ['gpt-4o-mini']);
	({ key } = await userWithKey(fx));
	await keyIsLive(server.url, key);
	await modelIsListed(server.url, key, 'gpt-4o-mini');
});

afterAll(async () => {
	await server?.stop();
	await mock?.close();
	await fx?.close();
	await db?.drop();
});

/** `levels` arrays inside one another, as JSON text. */
const nested = (levels: number) => `${'['.repeat(levels)}${']'.repeat(levels)}`;

function postV1(body: string) {
	return fetch(`${server.url}/v1/chat/completions`, {
		method: 'POST',
		headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
		body
	});
}

describe('deeply nested JSON', () => {
	test('/v1 refuses it with an OpenAI-shaped 400 naming the limit', async () => {
		const res = await postV1(`{"model":"gpt-4o-mini","messages":[{"role":"user","content":"hi"}],"tools":${nested(200_000)}}`);
		expect(res.status).toBe(400);
		expect(await res.json()).toEqual({
			error: { message: expect.stringContaining('deeper than 64 levels'), type: 'invalid_request_error', param: null, code: 'json_too_deep' }
		});
	});

	test('/api refuses it with a 400 and stores nothing (a deep channel config once reached PostgreSQL)', async () => {
		const before = (await db.sql`select count(*)::int as n from channels`)[0]!.n;
		const res = await root.call(
			'POST',
			'/api/channels',
			`{"type":"openai","name":"deep","baseUrl":"https://api.example.com","models":["m"],"keys":["k"],"config":{"extra":${nested(5_000)}}}`
		);
		expect(res.status).toBe(400);
		expect(res.body.error).toMatchObject({ code: 'json_too_deep', message: expect.stringContaining('deeper than 64 levels') });
		expect((await db.sql`select count(*)::int as n from channels`)[0]!.n).toBe(before);
	});

	test('a burst of them does not hold up other requests', async () => {
		const deep = `{"model":"gpt-4o-mini","tools":${nested(1_000_000)}}`;
		const started = Date.now();
		const burst = Array.from({ length: 4 }, () => postV1(deep));
		const health = await fetch(`${server.url}/api/health`);
		const healthMs = Date.now() - started;
		expect(health.status).toBe(200);
		// Before the depth check each of these stalled the process for over a second; now each
		// costs about one parse. The bound is loose on purpose: this machine is shared.
		expect(healthMs).toBeLessThan(5_000);
		const answers = await Promise.all(burst);
		expect(answers.map((r) => r.status)).toEqual([400, 400, 400, 400]);
	});
});

/**
 * Sends a request head, then its body one byte every `everyMs`, over a raw socket; resolves
 * with whatever the server answered by the time it closed the connection (or the body was
 * all sent and answered).
 */
function slowPost(path: string, headers: Record<string, string>, body: string, everyMs: number): Promise<string> {
	return new Promise((resolve, reject) => {
		const socket = connect(server.port, '127.0.0.1');
		let answer = '';
		let sent = 0;
		let drip: ReturnType<typeof setInterval> | undefined;
		const head = [`POST ${path} HTTP/1.1`, `host: 127.0.0.1:${server.port}`, `content-length: ${Buffer.byteLength(body)}`, ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`)];
		socket.on('connect', () => {
			socket.write(`${head.join('\r\n')}\r\n\r\n`);
			// 0: the whole body at once (a busy machine's timers must not make it late).
			if (everyMs === 0) return void socket.write(body);
			drip = setInterval(() => {
				if (sent < body.length) socket.write(body[sent++]!);
			}, everyMs);
		});
		socket.on('data', (chunk) => {
			answer += chunk.toString();
			// Stop dripping once an answer has begun: a server that answers early may keep reading.
			clearInterval(drip);
			if (/\r\n\r\n/.test(answer)) socket.end();
		});
		socket.on('error', reject);
		socket.on('close', () => {
			clearInterval(drip);
			resolve(answer);
		});
	});
}

describe('slow request bodies', () => {
	// 40 bytes at one every 200 ms would take 8 s; the test server's deadline is 1 s.
	const drip = 'x'.repeat(40);

	test('a sign-in form whose body trickles in gets 408 at the deadline, and the connection is closed', async () => {
		const answer = await slowPost('/login', { 'content-type': 'application/x-www-form-urlencoded', origin: server.url, accept: 'text/html' }, `username=root&password=${drip}`, 200);
		expect(answer).toMatch(/^HTTP\/1\.1 408/);
		expect(answer.toLowerCase()).toContain('connection: close');
		expect(answer).toContain('did not arrive within 1 s');
	});

	test('so does an /api call, in the API\'s error shape', async () => {
		const answer = await slowPost('/api/groups', { 'content-type': 'application/json', authorization: `Bearer ${ADMIN_TOKEN}` }, `{"name":"slow","ratio":1,"description":"${drip}"}`, 200);
		expect(answer).toMatch(/^HTTP\/1\.1 408/);
		expect(answer).toContain('"code":"request_timeout"');
		expect((await root.get('/api/groups')).body.items.map((g: { name: string }) => g.name)).not.toContain('slow');
	});

	test('a /v1 call whose body trickles in gets 408 in OpenAI\'s shape, and nothing goes upstream', async () => {
		mock.reset();
		const body = `{"model":"gpt-4o-mini","messages":[{"role":"user","content":"${drip}"}]}`;
		const answer = await slowPost('/v1/chat/completions', { 'content-type': 'application/json', authorization: `Bearer ${key}` }, body, 200);
		expect(answer).toMatch(/^HTTP\/1\.1 408/);
		expect(answer.toLowerCase()).toContain('connection: close');
		expect(answer).toContain('"code":"request_timeout"');
		expect(mock.requests).toHaveLength(0);
	});

	test('a body that arrives in time is handled as usual', async () => {
		const answer = await slowPost('/api/groups', { 'content-type': 'application/json', authorization: `Bearer ${ADMIN_TOKEN}` }, '{"name":"prompt","ratio":1}', 0);
		expect(answer).toMatch(/^HTTP\/1\.1 200/);
	});
});

describe('security headers', () => {
	test('console pages carry a CSP with a nonce for their scripts, and refuse framing, sniffing and full referrers', async () => {
		const res = await fetch(`${server.url}/login`);
		expect(res.status).toBe(200);
		const csp = res.headers.get('content-security-policy') ?? '';
		expect(csp).toContain("frame-ancestors 'none'");
		expect(csp).toContain("object-src 'none'");
		const nonce = /script-src 'self' 'nonce-([^']+)'/.exec(csp)?.[1];
		expect(nonce, csp).toBeTruthy();
		// Every inline script on the page is the one the policy names.
		const html = await res.text();
		const inline = [...html.matchAll(/<script(?![^>]*\bsrc=)([^>]*)>/g)];
		expect(inline.length).toBeGreaterThan(0);
		for (const [, attrs] of inline) expect(attrs).toContain(`nonce="${nonce}"`);
		expect(res.headers.get('x-frame-options')).toBe('DENY');
		expect(res.headers.get('x-content-type-options')).toBe('nosniff');
		expect(res.headers.get('referrer-policy')).toBe('strict-origin-when-cross-origin');
		const api = await fetch(`${server.url}/api/health`);
		expect(api.headers.get('x-content-type-options')).toBe('nosniff');
		expect(api.headers.get('x-frame-options')).toBe('DENY');
	});

	test('/v1 answers, errors and streams alike, are nosniff', async () => {
		const models = await fetch(`${server.url}/v1/models`, { headers: { authorization: `Bearer ${key}` } });
		const refused = await fetch(`${server.url}/v1/models`, { headers: { authorization: 'Bearer sk-wrong' } });
		const stream = await postV1('{"model":"gpt-4o-mini","stream":true,"messages":[{"role":"user","content":"hi"}]}');
		await stream.text();
		for (const res of [models, refused, stream]) expect(res.headers.get('x-content-type-options'), String(res.status)).toBe('nosniff');
		expect([models.status, refused.status, stream.status]).toEqual([200, 401, 200]);
	});
});
