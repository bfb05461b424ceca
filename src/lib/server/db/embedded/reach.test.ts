import { chmodSync, chownSync, mkdirSync, mkdtempSync, readdirSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { binariesRunnableBy } from './binaries';
import { isRoot, osUserName, serverUserIds, type OsIds } from './os-user';
import { explainBlocker, firstBlocker } from './reach';

// The user the embedded server runs as: "postgres" when we are root, else ourselves. The
// directories below belong to that user and lack one of its owner bits, so the same
// expectations hold either way.
const runner: OsIds = isRoot() ? serverUserIds() : { uid: process.getuid!(), gid: process.getgid!() };
const runnerName = osUserName(runner.uid);

/** `path` created (with parents), owned by the runner, with `mode`. */
function dirOf(path: string, mode: number): string {
	mkdirSync(path, { recursive: true });
	if (isRoot()) chownSync(path, runner.uid, runner.gid);
	chmodSync(path, mode);
	return path;
}

function base(): string {
	const dir = mkdtempSync(join(tmpdir(), 'elygate-reach-'));
	chmodSync(dir, 0o755);
	return dir;
}

describe('firstBlocker, on real directories', () => {
	test('names the first directory on the way that the user cannot search, until it can', () => {
		const root = base();
		const target = join(root, 'outer', 'inner', 'data');
		mkdirSync(target, { recursive: true });
		const outer = dirOf(join(root, 'outer'), 0o600);

		const blocker = firstBlocker(target, { ids: runner });
		expect(blocker).toMatchObject({ dir: outer, need: 'search', target });
		expect(explainBlocker(blocker!, runner)).toBe(
			`${outer} (mode 0600, owner ${runnerName}) must be searchable by the OS user "${runnerName}": chmod u+x ${outer}`
		);

		chmodSync(outer, 0o700); // what the message says to do
		expect(firstBlocker(target, { ids: runner })).toBeUndefined();
	});

	test('the target itself must be searchable, and writable when asked', () => {
		const target = dirOf(join(base(), 'cluster'), 0o500);
		expect(firstBlocker(target, { ids: runner })).toBeUndefined();
		const blocker = firstBlocker(target, { ids: runner, write: true });
		expect(blocker).toMatchObject({ dir: target, need: 'write', target });
		expect(explainBlocker(blocker!, runner)).toMatch(/ \(mode 0500, owner .+\) must be writable by the OS user ".+": chmod u\+w /);

		chmodSync(target, 0o600);
		expect(firstBlocker(target, { ids: runner, write: true })).toMatchObject({ dir: target, need: 'search' });
	});

	test('a target still to be created needs a writable directory to hold it', () => {
		const holder = dirOf(join(base(), 'holder'), 0o500);
		const target = join(holder, 'data', 'postgres');
		expect(firstBlocker(target, { ids: runner })).toBeUndefined();
		expect(firstBlocker(target, { ids: runner, write: true })).toMatchObject({ dir: holder, need: 'write', target });
		chmodSync(holder, 0o700);
		expect(firstBlocker(target, { ids: runner, write: true })).toBeUndefined();
	});

	test('a symlink on the way is followed to the directory that really blocks', () => {
		const root = base();
		mkdirSync(join(root, 'real', 'data'), { recursive: true });
		const real = dirOf(join(root, 'real'), 0o600);
		symlinkSync(join(real, 'data'), join(root, 'link'));
		expect(firstBlocker(join(root, 'link'), { ids: runner })).toMatchObject({ dir: real, need: 'search' });
	});

	test('without ids it checks this process', () => {
		const mine = mkdtempSync(join(tmpdir(), 'elygate-reach-'));
		expect(firstBlocker(join(mine, 'data'), { write: true })).toBeUndefined();
	});
});

describe('explainBlocker picks the permission bits that apply and the fix', () => {
	const dir = '/srv/elygate';
	const rootOwned = { dir, mode: 0o40700, uid: 0, gid: 0, target: dir };
	const stranger = { uid: 4242, gid: 4242 }; // no such user: shown by number
	const searchable = `${dir} (mode 0700, owner root) must be searchable by the OS user "4242"`;
	const writable = `${dir} (mode 0700, owner root) must be writable by the OS user "4242"`;

	test.each([
		['others', { ...rootOwned, need: 'search', target: `${dir}/data` }, stranger, `${searchable}: chmod o+x ${dir}`],
		['the group', { ...rootOwned, need: 'search' }, { uid: 4242, gid: 0 }, `${searchable}: chmod g+x ${dir}`],
		[
			'the owner',
			{ ...rootOwned, uid: 4242, need: 'write' },
			stranger,
			`${dir} (mode 0700, owner 4242) must be writable by the OS user "4242": chmod u+w ${dir}`
		],
		['a data dir of someone else', { ...rootOwned, need: 'write' }, stranger, `${writable}: chown -R 4242 ${dir}`],
		[
			'someone else’s folder to create it in',
			{ ...rootOwned, need: 'write', target: `${dir}/data` },
			stranger,
			`${writable}: mkdir -p ${dir}/data && chown 4242 ${dir}/data`
		]
	] as const)('%s', (_, blocker, ids, line) => {
		expect(explainBlocker(blocker, ids)).toBe(line);
	});
});

test('binaries the server user cannot reach are not copied where it cannot reach either', () => {
	const blocked = dirOf(join(base(), 'checkout'), 0o600);
	const bins = { root: join(blocked, 'native'), initdb: join(blocked, 'native/bin/initdb'), postgres: join(blocked, 'native/bin/postgres'), major: '18' };
	const copyParent = dirOf(join(base(), 'tmp'), 0o600);
	expect(() => binariesRunnableBy(bins, runner, copyParent)).toThrow(
		`${copyParent} (mode 0600, owner ${runnerName}) must be searchable by the OS user "${runnerName}": chmod u+x ${copyParent}, or set TMPDIR`
	);
	chmodSync(copyParent, 0o700);
	expect(readdirSync(copyParent)).toEqual([]);
});
