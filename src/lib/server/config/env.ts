import { resolve } from 'node:path';
import * as z from 'zod';

/**
 * Every setting Elygate reads from the environment, parsed once at start.
 * `.env.example` and the README list the same names; keep the three in step.
 */
const logLevel = z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']);

const optionalText = z
	.string()
	.trim()
	.transform((v) => (v === '' ? undefined : v))
	.optional();

const intInRange = (min: number, max: number, fallback: number) =>
	z
		.string()
		.trim()
		.optional()
		.transform((v, ctx) => {
			if (v === undefined || v === '') return fallback;
			const n = Number(v);
			if (!Number.isInteger(n) || n < min || n > max) {
				ctx.addIssue({ code: 'custom', message: `must be a whole number from ${min} to ${max}` });
				return z.NEVER;
			}
			return n;
		});

const byteSize = (fallback: string) =>
	z
		.string()
		.trim()
		.optional()
		.transform((v, ctx) => {
			const bytes = parseByteSize(v === undefined || v === '' ? fallback : v);
			if (bytes === undefined) {
				ctx.addIssue({ code: 'custom', message: 'must be a size such as 512K, 64M or 1G' });
				return z.NEVER;
			}
			return bytes;
		});

const flag = z
	.string()
	.trim()
	.optional()
	.transform((v, ctx) => {
		if (v === undefined || v === '') return false;
		if (/^(1|true|yes|on)$/i.test(v)) return true;
		if (/^(0|false|no|off)$/i.test(v)) return false;
		ctx.addIssue({ code: 'custom', message: 'must be true or false' });
		return z.NEVER;
	});

const envSchema = z
	.object({
	PORT: intInRange(0, 65535, 3000),
	HOST: optionalText.default('0.0.0.0'),
	ORIGIN: optionalText.pipe(
		z
			.url({ protocol: /^https?$/, error: 'must be an http(s) URL such as https://gateway.example.com' })
			.transform((u) => new URL(u).origin)
			.optional()
	),
	DATABASE_URL: optionalText.pipe(
		z
			.string()
			.regex(/^postgres(ql)?:\/\//, 'must be a postgres:// or postgresql:// URL')
			.optional()
	),
	ELYGATE_DATA_DIR: optionalText.default('./data').transform((p) => resolve(p)),
	ELYGATE_ROOT_PASSWORD: optionalText.pipe(
		z.string().min(8, 'must be at least 8 characters').max(128, 'must be at most 128 characters').optional()
	),
	ELYGATE_SECRET_KEY: optionalText.pipe(
		z
			.string()
			.refine((v) => decodedLength(v) === 32, 'must be 32 random bytes in base64 (openssl rand -base64 32)')
			.optional()
	),
	TRUSTED_PROXY_HEADER: optionalText.pipe(
		z
			.string()
			.regex(/^[A-Za-z0-9-]+$/, 'must be a header name such as X-Forwarded-For')
			.transform((h) => h.toLowerCase())
			.optional()
	),
	TRUSTED_PROXY_DEPTH: intInRange(1, 16, 1),
	LOG_LEVEL: optionalText.pipe(logLevel.optional()).transform((v) => v ?? 'info'),
	LOG_FORMAT: optionalText.pipe(z.enum(['auto', 'json', 'pretty']).optional()).transform((v) => v ?? 'auto'),
	BODY_SIZE_LIMIT: byteSize('64M'),
	RELAY_MAX_BODY: byteSize('32M'),
	RELAY_MAX_ANSWER: byteSize('64M'),
	METRICS_TOKEN: optionalText.pipe(z.string().min(16, 'must be at least 16 characters').optional()),
	ELYGATE_ADMIN_TOKEN: optionalText.pipe(
		z.string().min(32, 'must be at least 32 characters (openssl rand -base64 32)').optional()
	),
	IDLE_TIMEOUT: intInRange(1, 255, 255),
	BODY_TIMEOUT_SECONDS: intInRange(1, 3600, 30),
	SHUTDOWN_DRAIN_SECONDS: intInRange(0, 3600, 30),
	DB_POOL_SIZE: intInRange(1, 200, 10),
	LEDGER_FLUSH_MS: intInRange(10, 10_000, 100),
	LEDGER_MAX_QUEUE: intInRange(100, 10_000_000, 100_000),
	LOGIN_MAX_FAILURES: intInRange(1, 1000, 5),
	LOGIN_WINDOW_SECONDS: intInRange(1, 86400, 900),
	REDEEM_MAX_FAILURES: intInRange(1, 1000, 10),
	REDEEM_MAX_FAILURES_PER_IP: intInRange(1, 100_000, 100),
	REDEEM_WINDOW_SECONDS: intInRange(1, 86400, 600),
	ELYGATE_EMBEDDED_UNSAFE_NO_FSYNC: flag,
	STRIPE_API_HOST: optionalText,
	STRIPE_API_PORT: intInRange(0, 65535, 0),
	STRIPE_API_PROTOCOL: optionalText.pipe(z.enum(['http', 'https']).optional())
	})
	.refine((env) => env.BODY_SIZE_LIMIT > env.RELAY_MAX_BODY, {
		path: ['BODY_SIZE_LIMIT'],
		message: 'must be larger than RELAY_MAX_BODY, so oversized /v1 bodies get an OpenAI-shaped 413 from the relay'
	});

export type Config = ReturnType<typeof toConfig>;

function toConfig(env: z.output<typeof envSchema>) {
	return {
		port: env.PORT,
		host: env.HOST,
		origin: env.ORIGIN,
		databaseUrl: env.DATABASE_URL,
		dataDir: env.ELYGATE_DATA_DIR,
		rootPassword: env.ELYGATE_ROOT_PASSWORD,
		secretKey: env.ELYGATE_SECRET_KEY,
		trustedProxy: env.TRUSTED_PROXY_HEADER
			? { header: env.TRUSTED_PROXY_HEADER, depth: env.TRUSTED_PROXY_DEPTH }
			: undefined,
		logLevel: env.LOG_LEVEL,
		/** JSON lines, or pretty for people; `auto` = pretty on a terminal. */
		logFormat: env.LOG_FORMAT,
		bodySizeLimit: env.BODY_SIZE_LIMIT,
		relayBodyLimit: env.RELAY_MAX_BODY,
		/** Largest non-streamed answer read from an upstream. */
		relayAnswerLimit: env.RELAY_MAX_ANSWER,
		metricsToken: env.METRICS_TOKEN,
		/** A root-scoped bearer token for the management API, for automation. */
		adminToken: env.ELYGATE_ADMIN_TOKEN,
		idleTimeoutSeconds: env.IDLE_TIMEOUT,
		/** How long a console or /api request's whole body may take to arrive (then 408). */
		bodyTimeoutMs: env.BODY_TIMEOUT_SECONDS * 1000,
		shutdownDrainMs: env.SHUTDOWN_DRAIN_SECONDS * 1000,
		dbPoolSize: env.DB_POOL_SIZE,
		/** How often the ledger writes settled calls, and how many may wait before calls get 503. */
		ledger: { intervalMs: env.LEDGER_FLUSH_MS, maxQueue: env.LEDGER_MAX_QUEUE },
		login: { maxFailures: env.LOGIN_MAX_FAILURES, windowMs: env.LOGIN_WINDOW_SECONDS * 1000 },
		/** Failed redemption attempts, so nobody can guess codes. */
		redeem: {
			maxFailures: env.REDEEM_MAX_FAILURES,
			maxFailuresPerIp: env.REDEEM_MAX_FAILURES_PER_IP,
			windowMs: env.REDEEM_WINDOW_SECONDS * 1000
		},
		/** Where the Stripe API is reached (a proxy, or a local mock in tests); unset = Stripe's own host. */
		stripeApi: {
			host: env.STRIPE_API_HOST,
			port: env.STRIPE_API_PORT === 0 ? undefined : env.STRIPE_API_PORT,
			protocol: env.STRIPE_API_PROTOCOL
		},
		/** Test suites trade crash safety for speed; never set in production. */
		embeddedNoFsync: env.ELYGATE_EMBEDDED_UNSAFE_NO_FSYNC
	};
}

export class ConfigError extends Error {
	override name = 'ConfigError';
}

/** Parses the environment; throws a ConfigError listing every bad variable. */
export function parseConfig(env: Record<string, string | undefined>): Config {
	const result = envSchema.safeParse(env);
	if (!result.success) {
		const lines = result.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
		throw new ConfigError(`Invalid configuration:\n${lines.join('\n')}`);
	}
	return toConfig(result.data);
}

let cached: Config | undefined;

/** The process's configuration, parsed on first use. */
export function config(): Config {
	cached ??= parseConfig(process.env);
	return cached;
}

export function parseByteSize(value: string): number | undefined {
	const m = /^(\d+)\s*([KMG]?)B?$/i.exec(value.trim());
	if (!m) return undefined;
	const unit = { '': 1, K: 1024, M: 1024 ** 2, G: 1024 ** 3 }[(m[2] ?? '').toUpperCase()];
	return unit === undefined ? undefined : Number(m[1]) * unit;
}

function decodedLength(b64: string): number {
	if (!/^[A-Za-z0-9+/_-]+={0,2}$/.test(b64)) return -1;
	return Buffer.from(b64, 'base64').length;
}
