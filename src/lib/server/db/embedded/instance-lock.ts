import { readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import * as z from 'zod';

export const LOCK_FILE = 'elygate.lock';

export interface LockInfo {
	pid: number;
	host: string;
	startedAt: string;
	/** Port of the embedded PostgreSQL, once it listens (lets the CLI attach to it). */
	port?: number;
}

export class DataDirBusyError extends Error {
	override name = 'DataDirBusyError';
	constructor(
		readonly dataDir: string,
		readonly holder: LockInfo
	) {
		super(
			`Another Elygate process (pid ${holder.pid}, started ${holder.startedAt}) is already using the data directory ${dataDir}. ` +
				'Stop it first, or point ELYGATE_DATA_DIR at another directory.'
		);
	}
}

/**
 * One Elygate process per data directory. The lock file records our pid; a lock left by a
 * process that no longer exists (a hard kill) is taken over.
 */
export class InstanceLock {
	private constructor(
		readonly path: string,
		private info: LockInfo
	) {}

	static acquire(dataDir: string): InstanceLock {
		const path = join(dataDir, LOCK_FILE);
		const info: LockInfo = { pid: process.pid, host: hostname(), startedAt: new Date().toISOString() };
		for (let attempt = 0; attempt < 3; attempt++) {
			try {
				writeFileSync(path, JSON.stringify(info), { flag: 'wx', mode: 0o600 });
				return new InstanceLock(path, info);
			} catch (err) {
				if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
			}
			const holder = readLock(dataDir);
			if (holder && holder.pid !== process.pid && isAlive(holder.pid)) throw new DataDirBusyError(dataDir, holder);
			try {
				unlinkSync(path); // stale: its process is gone
			} catch {
				// someone else removed it first; retry
			}
		}
		throw new Error(`Could not take the lock ${path}`);
	}

	update(patch: Partial<LockInfo>): void {
		this.info = { ...this.info, ...patch };
		writeFileSync(this.path, JSON.stringify(this.info), { mode: 0o600 });
	}

	/** Synchronous, so it also works from an 'exit' handler. */
	release(): void {
		try {
			if (readLockFile(this.path)?.pid === process.pid) unlinkSync(this.path);
		} catch {
			// already gone
		}
	}
}

export function readLock(dataDir: string): LockInfo | undefined {
	return readLockFile(join(dataDir, LOCK_FILE));
}

const lockInfoSchema = z.object({
	pid: z.number().int(),
	host: z.string().catch(''),
	startedAt: z.string().catch(''),
	port: z.number().int().optional().catch(undefined)
});

function readLockFile(path: string): LockInfo | undefined {
	try {
		const parsed = lockInfoSchema.safeParse(JSON.parse(readFileSync(path, 'utf8')));
		return parsed.success ? parsed.data : undefined;
	} catch {
		return undefined;
	}
}

export function isAlive(pid: number): boolean {
	try {
		process.kill(pid, 0);
		return true;
	} catch (err) {
		// EPERM: it exists but belongs to another user.
		return (err as NodeJS.ErrnoException).code === 'EPERM';
	}
}
