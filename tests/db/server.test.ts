import { randomBytes } from 'node:crypto';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { freshDatabase, type TestDatabase } from '../harness/database';
import { eventually } from '../harness/eventually';
import { runServerToExit, startServer, type TestServer } from '../harness/server';
import { TcpProxy } from '../harness/tcp-proxy';

let db: TestDatabase;
let proxy: TcpProxy;
let server: TestServer;

beforeAll(async () => {
	db = await freshDatabase();
	const target = new URL(db.url);
	proxy = new TcpProxy(target.hostname, Number(target.port || 5432));
	await proxy.open();
	target.hostname = '127.0.0.1';
	target.port = String(proxy.port);
	server = await startServer({ env: { DATABASE_URL: target.toString(), ELYGATE_ROOT_PASSWORD: 'root-password-1' } });
});

afterAll(async () => {
	await server?.stop();
	await proxy?.cut();
	await db?.drop();
});

describe('health and readiness', () => {
	test('/api/health answers with the version', async () => {
		const res = await fetch(`${server.url}/api/health`);
		expect(res.status).toBe(200);
		expect(await res.json()).toEqual({ status: 'ok', version: expect.stringMatching(/^\d+\.\d+\.\d+/) });
		expect(res.headers.get('x-request-id')).toMatch(/^req_/);
	});

	test('/api/ready is 503 while the database is unreachable and 200 once it is back', async () => {
		expect((await fetch(`${server.url}/api/ready`)).status).toBe(200);
		await proxy.cut();
		const down = await eventually(async () => {
			const res = await fetch(`${server.url}/api/ready`);
			expect(res.status).toBe(503);
			return res.json();
		});
		expect(down).toEqual({ error: { code: 'unavailable', message: 'database unreachable' } });
		expect((await fetch(`${server.url}/api/health`)).status).toBe(200); // liveness is not readiness

		await proxy.open();
		await eventually(async () => expect((await fetch(`${server.url}/api/ready`)).status).toBe(200));
	});
});

describe('/v1 before the relay exists', () => {
	const call = (baseURL: string, apiKey: string) =>
		new OpenAI({ baseURL: `${baseURL}/v1`, apiKey, maxRetries: 0, timeout: 10_000 }).chat.completions.create({
			model: 'gpt-4o-mini',
			messages: [{ role: 'user', content: 'hi' }]
		});

	test('the fast lane answers 401 in OpenAI shape with a request id', async () => {
		const err = await call(server.url, 'sk-unknown').catch((e: unknown) => e);
		expect(err).toBeInstanceOf(OpenAI.AuthenticationError);
		const apiError = err as InstanceType<typeof OpenAI.AuthenticationError>;
		expect(apiError.status).toBe(401);
		expect(apiError.code).toBe('invalid_api_key');
		expect(apiError.type).toBe('invalid_request_error');
		expect(apiError.headers.get('x-request-id')).toMatch(/^req_/);
		// No session handling on /v1: no cookie is ever set there.
		const raw = await fetch(`${server.url}/v1/models`);
		expect(raw.headers.getSetCookie()).toEqual([]);
		expect(await raw.json()).toEqual({
			error: {
				message: "You didn't provide an API key. Send it as 'Authorization: Bearer sk-...'.",
				type: 'invalid_request_error',
				param: null,
				code: 'invalid_api_key'
			}
		});
	});

	test('the SvelteKit route (what vite dev serves) answers the same', async () => {
		// The adapter's own server sends every request through SvelteKit, /v1 included.
		const kit = await startServer({ entry: 'build/index.js', dataDir: server.dataDir, env: { DATABASE_URL: db.url } });
		try {
			const err = await call(kit.url, 'sk-unknown').catch((e: unknown) => e);
			expect(err).toBeInstanceOf(OpenAI.AuthenticationError);
			expect((err as InstanceType<typeof OpenAI.AuthenticationError>).code).toBe('invalid_api_key');
		} finally {
			await kit.stop();
		}
	});
});

describe('start-up refusals', () => {
	test('bad configuration stops the start with every problem listed', async () => {
		const { exitCode, output } = await runServerToExit({ env: { DATABASE_URL: 'mysql://nope', IDLE_TIMEOUT: '9999' } });
		expect(exitCode).toBe(1);
		expect(output).toContain('Invalid configuration:');
		expect(output).toContain('DATABASE_URL: must be a postgres:// or postgresql:// URL');
		expect(output).toContain('IDLE_TIMEOUT: must be a whole number from 1 to 255');
	});

	test('a secret key other than the one the database was set up with is refused', async () => {
		const { exitCode, output } = await runServerToExit({
			env: { DATABASE_URL: db.url, ELYGATE_SECRET_KEY: randomBytes(32).toString('base64') }
		});
		expect(exitCode).toBe(1);
		expect(output).toContain('The secret key does not match the one this database was set up with');
	});
});

describe('behind a TLS-terminating proxy', () => {
	test('a trusted proxy supplies the client IP and the https scheme; cookies turn Secure', async () => {
		const proxied = await startServer({
			dataDir: server.dataDir,
			env: { DATABASE_URL: db.url, TRUSTED_PROXY_HEADER: 'X-Forwarded-For', TRUSTED_PROXY_DEPTH: '1' }
		});
		try {
			const res = await fetch(`${proxied.url}/login`, {
				method: 'POST',
				redirect: 'manual',
				headers: {
					accept: 'text/html',
					'content-type': 'application/x-www-form-urlencoded',
					host: 'gw.example.com',
					origin: 'https://gw.example.com',
					'x-forwarded-for': '6.6.6.6, 203.0.113.77',
					'x-forwarded-proto': 'https'
				},
				body: new URLSearchParams({ username: 'root', password: 'root-password-1' })
			});
			expect(res.status).toBe(303);
			expect(res.headers.getSetCookie().find((c) => c.startsWith('elygate_session='))).toMatch(/;\s*Secure/i);
			const [session] = await db.sql`select ip from sessions order by created_at desc limit 1`;
			expect(session?.ip).toBe('203.0.113.77');
		} finally {
			await proxied.stop();
		}
	});

	test('without a trusted proxy, forwarded headers are ignored', async () => {
		const res = await fetch(`${server.url}/login`, {
			method: 'POST',
			redirect: 'manual',
			headers: {
				accept: 'text/html',
				'content-type': 'application/x-www-form-urlencoded',
				origin: server.url,
				'x-forwarded-for': '203.0.113.78',
				'x-forwarded-proto': 'https'
			},
			body: new URLSearchParams({ username: 'root', password: 'root-password-1' })
		});
		expect(res.status).toBe(303);
		expect(res.headers.getSetCookie().find((c) => c.startsWith('elygate_session='))).not.toMatch(/Secure/i);
		const [session] = await db.sql`select ip from sessions order by created_at desc limit 1`;
		expect(session?.ip).toBe('127.0.0.1');
	});

	test('ORIGIN fixes the public URL: https origins pass the origin check, others do not', async () => {
		const fixed = await startServer({ dataDir: server.dataDir, env: { DATABASE_URL: db.url, ORIGIN: 'https://gw.example.com' } });
		try {
			const post = (origin: string) =>
				fetch(`${fixed.url}/login`, {
					method: 'POST',
					redirect: 'manual',
					headers: { accept: 'text/html', 'content-type': 'application/x-www-form-urlencoded', origin },
					body: new URLSearchParams({ username: 'root', password: 'root-password-1' })
				});
			const ok = await post('https://gw.example.com');
			expect(ok.status).toBe(303);
			expect(ok.headers.getSetCookie().join()).toMatch(/;\s*Secure/i);
			expect((await post(fixed.url)).status).toBe(403);
		} finally {
			await fixed.stop();
		}
	});
});
