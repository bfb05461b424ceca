import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from 'vitest';
import { DataDirBusyError, InstanceLock, LOCK_FILE, readLock } from './instance-lock';

const dir = () => mkdtempSync(join(tmpdir(), 'elygate-lock-'));

test('a live holder keeps the data dir; release frees it', () => {
	const d = dir();
	const lock = InstanceLock.acquire(d);
	lock.update({ port: 45678 });
	expect(readLock(d)).toMatchObject({ pid: process.pid, port: 45678 });
	// Same pid would be us; pretend another live process (our parent) holds it.
	writeFileSync(join(d, LOCK_FILE), JSON.stringify({ pid: process.ppid, host: 'h', startedAt: 'then' }));
	expect(() => InstanceLock.acquire(d)).toThrow(DataDirBusyError);
	expect(() => InstanceLock.acquire(d)).toThrow(/already using the data directory/);
	expect(JSON.parse(readFileSync(join(d, LOCK_FILE), 'utf8')).pid).toBe(process.ppid); // untouched
});

test('a lock left by a dead process is taken over', () => {
	const d = dir();
	writeFileSync(join(d, LOCK_FILE), JSON.stringify({ pid: 2 ** 22 + 12345, host: 'h', startedAt: 'then' }));
	const lock = InstanceLock.acquire(d);
	expect(readLock(d)?.pid).toBe(process.pid);
	lock.release();
	expect(readLock(d)).toBeUndefined();
});
