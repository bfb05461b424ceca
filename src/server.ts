/**
 * Elygate's production entry. It owns Bun.serve: /v1/* goes straight to the relay function
 * the app registered in hooks.server.ts `init` (the SvelteKit request path costs 2-3x the CPU
 * of a bare proxy), everything else to the adapter's SvelteKit handler. It also owns the
 * shutdown order: refuse new work, drain, close connections, flush and close (the app), stop
 * the database.
 *
 * Built to build/elygate.js next to the adapter's output; run with `bun build/elygate.js`.
 */
import { join } from 'node:path';
import { registeredApp, setEntryInfo, type AppHandle } from './lib/server/app/bridge';
import { ConfigError, parseConfig, type Config } from './lib/server/config/env';
import { withBodyDeadline } from './lib/server/http/body-deadline';
import { isRelayUrl } from './lib/server/http/paths';
import { serializeError } from './lib/server/observability/logger';

interface AdapterHandler {
	getHandler(): { fetch: (request: Request, server: Bun.Server<unknown>) => Response | Promise<Response> };
}

/** Without ORIGIN the adapter would assume https; we tell it the real scheme per request. */
const PROTO_HEADER = 'x-elygate-forwarded-proto';

function fail(message: string): never {
	console.error(`\nElygate could not start:\n${message}\n`);
	process.exit(1);
}

/** A database error's message can embed bound parameters: show only its code then. */
function startErrorMessage(err: unknown): string {
	const safe = serializeError(err);
	if (safe.type !== 'DatabaseError') return err instanceof Error ? err.message : String(err);
	return `database error ${safe.code ?? ''}${safe.constraint ? ` (${safe.constraint})` : ''}`.trim();
}

function loadConfig(): Config {
	try {
		return parseConfig(process.env);
	} catch (err) {
		fail(err instanceof ConfigError ? err.message : String(err));
	}
}

const config = loadConfig();
setEntryInfo({ migrationsDir: join(import.meta.dir, 'drizzle') });
if (!config.origin) process.env.PROTOCOL_HEADER = PROTO_HEADER;

let adapter: AdapterHandler;
try {
	// Importing the handler initialises SvelteKit, which runs hooks.server.ts `init`:
	// database, migrations, bootstrap. The path is computed so the bundler leaves it alone.
	adapter = (await import(join(import.meta.dir, 'handler.js'))) as AdapterHandler;
} catch (err) {
	fail(startErrorMessage(err));
}
const maybeApp = registeredApp();
if (!maybeApp) fail('The app did not register itself (hooks.server.ts init did not run).');
const app: AppHandle = maybeApp;
const kit = adapter.getHandler();
const forwardedProto = config.trustedProxy ? 'x-forwarded-proto' : undefined;

const server = Bun.serve({
	hostname: config.host,
	port: config.port,
	idleTimeout: config.idleTimeoutSeconds,
	maxRequestBodySize: config.bodySizeLimit,
	fetch(request, srv) {
		if (isRelayUrl(request.url)) return app.relay(request, srv);
		if (!config.origin) {
			const proto = (forwardedProto && request.headers.get(forwardedProto)) === 'https' ? 'https' : 'http';
			request.headers.set(PROTO_HEADER, proto);
		}
		return withBodyDeadline(request, srv, config.bodyTimeoutMs, kit.fetch);
	},
	error(err) {
		app.log.error({ err }, 'unhandled error in the server');
		return new Response('Internal Server Error', { status: 500 });
	}
});

const shownHost = config.host === '0.0.0.0' || config.host === '::' ? 'localhost' : config.host;
const baseUrl = config.origin ?? `http://${shownHost}:${server.port}`;
app.log.info({ port: server.port }, `Elygate is listening on ${baseUrl}`);
app.onListening(baseUrl);

let shuttingDown = false;

/**
 * Drain: readiness turns 503 and new requests are refused (503) while the listener stays open,
 * so load balancers and clients get an answer rather than a refused connection; requests in
 * progress (streams included) may finish until the deadline, then every connection is closed.
 */
async function shutdown(signal: string): Promise<void> {
	if (shuttingDown) {
		app.log.warn(`${signal} again: exiting without waiting`);
		process.exit(1);
	}
	shuttingDown = true;
	app.log.info(`${signal}: shutting down (drain up to ${config.shutdownDrainMs / 1000} s)`);
	app.beginShutdown();
	const deadline = Date.now() + config.shutdownDrainMs;
	while (server.pendingRequests > 0 && Date.now() < deadline) await Bun.sleep(25);
	if (server.pendingRequests > 0) {
		app.log.warn({ pending: server.pendingRequests }, 'drain deadline reached: closing the remaining connections');
	}
	await server.stop(true);
	try {
		await app.shutdown();
	} catch (err) {
		app.log.error({ err }, 'shutdown failed');
		process.exit(1);
	}
	app.log.info('stopped');
	process.exit(0);
}

process.on('SIGTERM', () => void shutdown('SIGTERM'));
process.on('SIGINT', () => void shutdown('SIGINT'));
