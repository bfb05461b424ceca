import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as z from 'zod';
import { LoginLimiter } from '../auth/login-limiter';
import { config, type Config } from '../config/env';
import { openDatabase, type Database } from '../db';
import { applyMigrations } from '../db/migrate';
import { createLogger, jsonLogs, printNotice, setLogger, type Logger } from '../observability/logger';
import { breakerStates, ledgerQueueDepth } from '../observability/relay-metrics';
import { Ledger } from '../billing/ledger';
import { reconcileWithWallet } from '../billing/ledger-reconcile';
import { Wallet } from '../billing/wallet';
import { createImageFetcher } from '../security/fetch-image';
import { createPool } from '../db/client';
import { handleRelayRequest } from '../relay';
import { configureRelay } from '../relay/context';
import { activeCalls, waitForIdle } from '../relay/inflight';
import { snapshot, startStateSync } from '../state/store';
import { bootstrapRoot } from '../services/bootstrap';
import { startChannelProber } from '../services/channel-prober';
import { seedDefaultPricesOnce } from '../services/price-defaults';
import { createHealthWriter } from '../services/health-writer';
import { startRetentionJob } from '../services/retention';
import { checkSecretKey } from '../services/secret-check';
import { SecretBox } from '../security/crypto';
import { loadSecretKey } from '../security/secret-key';
import { entryInfo, registerApp } from './bridge';
import { setPhase } from './phase';
import { servicesIfStarted, setServices } from './services';

/**
 * Brings Elygate up, in order: config, logger, database (embedded or external), migrations,
 * secret key check, root bootstrap, default prices (first start only), state snapshot. Runs
 * from hooks.server.ts `init`, before the first request.
 */
export async function startApp(): Promise<void> {
	if (servicesIfStarted()) return;
	const cfg = config();
	const log = createLogger(cfg.logLevel, { json: jsonLogs(cfg.logFormat) });
	setLogger(log);
	const migrationsDir = entryInfo()?.migrationsDir ?? join(process.cwd(), 'drizzle');
	const secrets = new SecretBox(loadSecretKey(cfg.secretKey, cfg.dataDir).key);

	const database = await openDatabase({
		databaseUrl: cfg.databaseUrl,
		dataDir: cfg.dataDir,
		poolSize: cfg.dbPoolSize,
		log,
		noFsync: cfg.embeddedNoFsync
	});
	try {
		await waitForDatabase(database, log);
		await applyMigrations(database.url, migrationsDir);
		await checkSecretKey(database.db, secrets);
		setupToken = await bootstrap(database, cfg, log);
		// Before the snapshot loads, so the first request already sees the seeded prices.
		await seedDefaultPricesOnce(database.db, log);
	} catch (err) {
		await database.close().catch(() => {});
		throw err;
	}

	const ledgerPool = createPool(database.url, { max: 2, connectTimeout: 5, metricsName: 'ledger' });
	const wallet = new Wallet();
	const ledger = new Ledger(ledgerPool.sql, log, { ...cfg.ledger, ...reconcileWithWallet(wallet, snapshot) });
	let stopStateSync: () => Promise<void>;
	try {
		stopStateSync = await startStateSync({ db: database.db, sql: database.sql, secrets, log });
	} catch (err) {
		await ledgerPool.sql.end({ timeout: 5 }).catch(() => {});
		await database.close().catch(() => {});
		throw err;
	}
	const serviceCtx = { db: database.db, secrets };
	const healthWriter = createHealthWriter(serviceCtx, log);
	const relay = configureRelay({
		ledger,
		wallet,
		log,
		bodyLimit: cfg.relayBodyLimit,
		bodyDeadlineMs: cfg.bodyTimeoutMs,
		answerLimit: cfg.relayAnswerLimit,
		trustedProxy: cfg.trustedProxy,
		persistHealth: (actions) => healthWriter.persist(actions),
		// The allow-list is an option, so it is read at each download.
		fetchImage: (url) => createImageFetcher({ allowHosts: snapshot().options['relay.image_fetch_allow_hosts'] })(url)
	});
	const prober = startChannelProber({
		ctx: serviceCtx,
		log,
		channelsVersion: () => snapshot().routes,
		options: () => snapshot().options,
		onRecovered: (channelId) => relay.health.forget(channelId)
	});
	const retention = startRetentionJob({ db: database.db, log });
	ledgerQueueDepth.setSource(() => [[[], ledger.depth]]);
	breakerStates.setSource(() => relay.health.breakerStates().map(([id, state]) => [[String(id)], state]));

	setServices({
		config: cfg,
		log,
		database,
		db: database.db,
		// Anyone can try to sign in as root: strangers may slow an account, never lock it.
		loginLimiter: new LoginLimiter({ ...cfg.login, overCeiling: 'throttle' }),
		// A redeemer guesses for their own account: past its limit it is refused, from any address.
		redeemLimiter: new LoginLimiter({ ...cfg.redeem, accountCeiling: cfg.redeem.maxFailures, overCeiling: 'block' }),
		secrets,
		expectedMigrations: countMigrations(migrationsDir)
	});
	closers = [
		() => retention.stop(),
		() => prober.stop(),
		() => healthWriter.drain(),
		() => stopStateSync(),
		() => ledger.close(cfg.shutdownDrainMs + 30_000),
		() => ledgerPool.sql.end({ timeout: 5 }),
		() => database.close()
	];
	registerApp({
		relay: (request, server) => handleRelayRequest(request, { address: server.requestIP(request)?.address, server }),
		log,
		onListening,
		beginShutdown,
		shutdown: shutdownApp
	});
	setPhase('ready');
	// Under `vite dev` nobody else owns the signals or tells us where we listen.
	if (!entryInfo()) {
		onListening(cfg.origin ?? '');
		for (const signal of ['SIGINT', 'SIGTERM'] as const) {
			process.once(signal, () => void shutdownApp().finally(() => process.exit(0)));
		}
	}
}

function beginShutdown(): void {
	setPhase('stopping');
}

let stopping: Promise<void> | undefined;
/** Run in order at shutdown: stop listening for changes, flush the ledger, close pools, stop the database. */
let closers: Array<() => Promise<unknown>> = [];

/**
 * The app's half of the shutdown order (the entry has already stopped accepting and drained
 * what it could): calls still running are given a moment to settle, then the ledger is
 * flushed, and only then are the pools closed and the embedded database stopped. Idempotent.
 */
export function shutdownApp(): Promise<void> {
	stopping ??= (async () => {
		setPhase('stopping');
		const log = servicesIfStarted()?.log;
		if (!(await waitForIdle(5_000))) log?.warn({ calls: activeCalls() }, 'calls still running at shutdown; they are settled as aborted');
		for (const close of closers) {
			try {
				await close();
			} catch (err) {
				log?.error({ err }, 'shutdown step failed');
			}
		}
		setPhase('stopped');
	})();
	return stopping;
}

async function waitForDatabase(database: Database, log: Logger): Promise<void> {
	const deadline = Date.now() + 30_000;
	for (let attempt = 1; ; attempt++) {
		try {
			await database.sql`select 1`;
			return;
		} catch (err) {
			if (Date.now() > deadline) throw new Error('The database did not answer within 30 s; check DATABASE_URL.', { cause: err });
			if (attempt === 1) log.warn('waiting for the database to answer');
			await Bun.sleep(Math.min(2_000, 200 * attempt));
		}
	}
}

let setupToken: string | undefined;

/** Creates root or issues the one-time setup token, which `onListening` prints as a URL. */
async function bootstrap(database: Database, cfg: Config, log: Logger): Promise<string | undefined> {
	const outcome = await bootstrapRoot(database.db, cfg.rootPassword);
	if (outcome.kind === 'root-created') log.info('created the root account from ELYGATE_ROOT_PASSWORD');
	if (outcome.kind === 'root-exists' && outcome.envPasswordIgnored) {
		log.info('ELYGATE_ROOT_PASSWORD is ignored: a root account already exists');
	}
	return outcome.kind === 'setup-token' ? outcome.token : undefined;
}

/**
 * The setup URL comes last, after "listening": for people, on its own line in a block of its
 * own (the first start's log is long); for log collectors, as a field of one JSON record.
 */
function onListening(baseUrl: string): void {
	const log = servicesIfStarted()?.log;
	if (!setupToken || !log) return;
	const setupUrl = `${baseUrl}/setup?token=${setupToken}`;
	if (printNotice(log, ['No root account yet. Open this URL to create it (it works once):', '', setupUrl])) return;
	log.warn({ setupUrl }, 'No root account yet: open the setup URL to create it (it works once)');
}

const journal = z.object({ entries: z.array(z.object({ tag: z.string() })) });

function countMigrations(dir: string): number {
	return journal.parse(JSON.parse(readFileSync(join(dir, 'meta', '_journal.json'), 'utf8'))).entries.length;
}
