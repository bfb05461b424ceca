import { spawnSync } from 'node:child_process';
import { accessSync, constants, existsSync, realpathSync, statSync } from 'node:fs';
import { basename, dirname, join, parse, resolve, sep } from 'node:path';
import { osUserName, type OsIds } from './os-user';

export type Access = 'search' | 'write';

/** A directory that stops an OS user from reaching a path, and what it lacks. */
export interface Blocker {
	dir: string;
	need: Access;
	/** Permission bits and owner, as `stat` reports them. */
	mode: number;
	uid: number;
	gid: number;
	/** The path asked about; `dir` is it, a directory on the way, or the one to create it in. */
	target: string;
}

/**
 * The first directory that keeps `ids` (this process when undefined) from using `target`:
 * every existing directory on the way, the target included, must be searchable; with
 * `write`, the target must be writable, or, when it does not exist yet, the directory that
 * will hold it. The kernel decides (a probe run as that user), so ACLs and the like count.
 */
export function firstBlocker(target: string, opts: { ids?: OsIds; write?: boolean } = {}): Blocker | undefined {
	const { ids, write = false } = opts;
	const path = realPathOfExisting(resolve(target));
	const wanted: Access[] = write ? ['search', 'write'] : ['search'];
	if (existsSync(path) && allowed(path, wanted, ids)) return undefined; // the usual case: one probe

	const dirs = pathAndAncestors(path);
	for (const [i, dir] of dirs.entries()) {
		if (!existsSync(dir)) {
			const holder = dirs[i - 1] ?? dir;
			return write && !allowed(holder, ['write'], ids) ? blocker(holder, 'write', path) : undefined;
		}
		if (!allowed(dir, ['search'], ids)) return blocker(dir, 'search', path);
	}
	return write && !allowed(path, ['write'], ids) ? blocker(path, 'write', path) : undefined;
}

/**
 * One line naming the directory, what it lacks for whom, and the command that fixes it, e.g.
 * `/tmp/x (mode 0700, owner root) must be searchable by the OS user "postgres": chmod o+x /tmp/x`.
 */
export function explainBlocker(b: Blocker, ids?: OsIds): string {
	const user = ids ? osUserName(ids.uid) : osUserName(process.getuid?.() ?? -1);
	const who = whoIs(b, ids);
	const mode = (b.mode & 0o7777).toString(8).padStart(4, '0');
	let fix: string;
	if (b.need === 'search') fix = `chmod ${who}+x ${b.dir}`;
	else if (who === 'u') fix = `chmod u+w ${b.dir}`;
	// A data directory's contents belong to its owner too.
	else if (b.dir === b.target) fix = `chown -R ${user} ${b.dir}`;
	// Not someone else's folder: create the target in it for the user instead.
	else fix = `mkdir -p ${b.target} && chown ${user} ${b.target}`;
	const verb = b.need === 'search' ? 'searchable' : 'writable';
	return `${b.dir} (mode ${mode}, owner ${osUserName(b.uid)}) must be ${verb} by the OS user "${user}": ${fix}`;
}

/** Which of the owner (u), group (g) and others (o) permission bits apply to `ids` on `b.dir`. */
function whoIs(b: Blocker, ids?: OsIds): 'u' | 'g' | 'o' {
	const uid = ids?.uid ?? process.getuid?.();
	// A server started with a uid and gid runs with no supplementary groups.
	const groups = ids ? [ids.gid] : (process.getgroups?.() ?? []);
	if (b.uid === uid) return 'u';
	return groups.includes(b.gid) ? 'g' : 'o';
}

function blocker(dir: string, need: Access, target: string): Blocker {
	const { mode, uid, gid } = statSync(dir);
	return { dir, need, mode, uid, gid, target };
}

function allowed(dir: string, access: Access[], ids: OsIds | undefined): boolean {
	if (!ids) {
		const flags = access.reduce((f, a) => f | (a === 'search' ? constants.X_OK : constants.W_OK), 0);
		try {
			accessSync(dir, flags);
			return true;
		} catch {
			return false;
		}
	}
	const args = access.flatMap((a, i) => [...(i > 0 ? ['-a'] : []), a === 'search' ? '-x' : '-w', dir]);
	return spawnSync('test', args, { uid: ids.uid, gid: ids.gid, stdio: 'ignore' }).status === 0;
}

/** `path` with its longest existing prefix resolved through symlinks (the kernel checks the real directories). */
function realPathOfExisting(path: string): string {
	let existing = path;
	const rest: string[] = [];
	while (!existsSync(existing) && dirname(existing) !== existing) {
		rest.unshift(basename(existing));
		existing = dirname(existing);
	}
	return join(realpathSync(existing), ...rest);
}

/** `/a/b/c` → `/`, `/a`, `/a/b`, `/a/b/c`. */
function pathAndAncestors(path: string): string[] {
	const { root } = parse(path);
	const parts = path.slice(root.length).split(sep).filter(Boolean);
	return [root, ...parts.map((_, i) => root + parts.slice(0, i + 1).join(sep))];
}
