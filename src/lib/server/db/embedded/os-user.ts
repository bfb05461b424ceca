import { spawnSync } from 'node:child_process';

export interface OsIds {
	uid: number;
	gid: number;
}

const SERVER_USER = 'postgres';

/** True when this process runs as root, where PostgreSQL refuses to run. */
export function isRoot(): boolean {
	return typeof process.getuid === 'function' && process.getuid() === 0;
}

/**
 * The uid/gid the server runs as when we are root: the OS user "postgres", created
 * (no home, no login shell) when the machine does not have one yet.
 */
export function serverUserIds(): OsIds {
	const existing = lookup();
	if (existing) return existing;
	spawnSync('groupadd', ['--system', SERVER_USER]);
	const add = spawnSync('useradd', ['--system', '--gid', SERVER_USER, '--no-create-home', '--shell', '/usr/sbin/nologin', SERVER_USER], {
		encoding: 'utf8'
	});
	const created = lookup();
	if (!created) {
		throw new Error(
			`Running as root, the embedded PostgreSQL needs an OS user "${SERVER_USER}", and creating it failed: ${add.stderr?.trim() || add.error?.message}`
		);
	}
	return created;
}

function lookup(): OsIds | undefined {
	const uid = spawnSync('id', ['-u', SERVER_USER], { encoding: 'utf8' });
	const gid = spawnSync('id', ['-g', SERVER_USER], { encoding: 'utf8' });
	if (uid.status !== 0 || gid.status !== 0) return undefined;
	return { uid: Number(uid.stdout.trim()), gid: Number(gid.stdout.trim()) };
}

/** The login name of `uid`, or the number when the machine has no name for it. */
export function osUserName(uid: number): string {
	const out = spawnSync('id', ['-nu', String(uid)], { encoding: 'utf8' });
	return (out.status === 0 && out.stdout.trim()) || String(uid);
}
