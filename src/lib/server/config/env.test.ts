import { describe, expect, test } from 'vitest';
import { ConfigError, parseByteSize, parseConfig } from './env';

describe('parseConfig', () => {
	test('defaults need no environment at all', () => {
		const c = parseConfig({});
		expect(c.port).toBe(3000);
		expect(c.host).toBe('0.0.0.0');
		expect(c.databaseUrl).toBeUndefined();
		expect(c.dataDir).toMatch(/\/data$/);
		expect(c.idleTimeoutSeconds).toBe(255);
		expect(c.bodySizeLimit).toBe(64 * 1024 * 1024);
		expect(c.trustedProxy).toBeUndefined();
		expect(c.logFormat).toBe('auto');
	});

	test('reads every documented variable', () => {
		const c = parseConfig({
			PORT: '8080',
			HOST: '127.0.0.1',
			ORIGIN: 'https://gw.example.com/',
			DATABASE_URL: 'postgres://u:p@db:5432/elygate',
			ELYGATE_DATA_DIR: '/var/lib/elygate',
			ELYGATE_ROOT_PASSWORD: 'correct horse',
			ELYGATE_SECRET_KEY: Buffer.alloc(32, 7).toString('base64'),
			TRUSTED_PROXY_HEADER: 'X-Forwarded-For',
			TRUSTED_PROXY_DEPTH: '2',
			LOG_LEVEL: 'debug',
			LOG_FORMAT: 'pretty',
			BODY_SIZE_LIMIT: '10M',
			RELAY_MAX_BODY: '8M',
			METRICS_TOKEN: 'a-long-metrics-token',
			IDLE_TIMEOUT: '120',
			SHUTDOWN_DRAIN_SECONDS: '5',
			LOGIN_MAX_FAILURES: '3',
			LOGIN_WINDOW_SECONDS: '60',
			REDEEM_MAX_FAILURES: '4',
			REDEEM_MAX_FAILURES_PER_IP: '40',
			REDEEM_WINDOW_SECONDS: '120'
		});
		expect(c).toMatchObject({
			port: 8080,
			host: '127.0.0.1',
			origin: 'https://gw.example.com',
			databaseUrl: 'postgres://u:p@db:5432/elygate',
			dataDir: '/var/lib/elygate',
			rootPassword: 'correct horse',
			trustedProxy: { header: 'x-forwarded-for', depth: 2 },
			logLevel: 'debug',
			logFormat: 'pretty',
			bodySizeLimit: 10 * 1024 * 1024,
			relayBodyLimit: 8 * 1024 * 1024,
			metricsToken: 'a-long-metrics-token',
			idleTimeoutSeconds: 120,
			bodyTimeoutMs: 30_000,
			shutdownDrainMs: 5000,
			login: { maxFailures: 3, windowMs: 60_000 },
			redeem: { maxFailures: 4, maxFailuresPerIp: 40, windowMs: 120_000 }
		});
	});

	test('lists every bad variable with a reason', () => {
		let error: unknown;
		try {
			parseConfig({ PORT: 'eighty', DATABASE_URL: 'mysql://x', ELYGATE_SECRET_KEY: 'short', ORIGIN: 'ftp://x', LOG_LEVEL: 'loud', LOG_FORMAT: 'xml' });
		} catch (err) {
			error = err;
		}
		expect(error).toBeInstanceOf(ConfigError);
		const message = (error as Error).message;
		expect(message).toContain('PORT: must be a whole number from 0 to 65535');
		expect(message).toContain('DATABASE_URL: must be a postgres:// or postgresql:// URL');
		expect(message).toContain('ELYGATE_SECRET_KEY: must be 32 random bytes in base64');
		expect(message).toContain('ORIGIN: must be an http(s) URL');
		expect(message).toContain('LOG_LEVEL');
		expect(message).toContain('LOG_FORMAT');
	});

	test('a short root password is refused at start, not at first login', () => {
		expect(() => parseConfig({ ELYGATE_ROOT_PASSWORD: 'short' })).toThrow(/ELYGATE_ROOT_PASSWORD: must be at least 8 characters/);
	});

	test('the server body limit must sit above the relay limit', () => {
		expect(() => parseConfig({ BODY_SIZE_LIMIT: '1M', RELAY_MAX_BODY: '1M' })).toThrow(/BODY_SIZE_LIMIT: must be larger than RELAY_MAX_BODY/);
		expect(parseConfig({ BODY_SIZE_LIMIT: '2M', RELAY_MAX_BODY: '1M' }).relayBodyLimit).toBe(1024 * 1024);
	});

	test('empty strings count as unset', () => {
		expect(parseConfig({ DATABASE_URL: '', ORIGIN: ' ' }).databaseUrl).toBeUndefined();
	});
});

test('parseByteSize understands units and rejects nonsense', () => {
	expect(parseByteSize('512K')).toBe(512 * 1024);
	expect(parseByteSize('1G')).toBe(1024 ** 3);
	expect(parseByteSize('100')).toBe(100);
	expect(parseByteSize('12MB')).toBe(12 * 1024 ** 2);
	expect(parseByteSize('lots')).toBeUndefined();
});
