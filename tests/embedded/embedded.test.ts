import { chmodSync, existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { projectRoot } from '../../scripts/build-state';
import { isAlive, readLock } from '../../src/lib/server/db/embedded/instance-lock';
import { register, signIn } from '../harness/accounts';
import { runServerToExit, startServer } from '../harness/server';
import { WebClient } from '../harness/web-client';

/** postmaster.pid: pid, data dir, start time, port, socket dir, listen address, ... */
function postmaster(dataDir: string) {
	const path = join(dataDir, 'postgres', 'postmaster.pid');
	if (!existsSync(path)) return undefined;
	const lines = readFileSync(path, 'utf8').split('\n');
	return { pid: Number(lines[0]), port: Number(lines[3]), socketDir: lines[4], listen: lines[5] };
}

function cli(dataDir: string, args: string[], stdin: string) {
	const proc = Bun.spawnSync(['bun', 'src/cli.ts', ...args], {
		cwd: projectRoot,
		env: { PATH: process.env.PATH, HOME: process.env.HOME, ELYGATE_DATA_DIR: dataDir, ELYGATE_EMBEDDED_UNSAFE_NO_FSYNC: 'true' },
		stdin: Buffer.from(stdin)
	});
	return { code: proc.exitCode, out: proc.stdout.toString(), err: proc.stderr.toString() };
}

describe('embedded PostgreSQL 18', () => {
	test('serves on 127.0.0.1 only, never 5432, keeps data across restarts and refuses a second instance', async () => {
		const dataDir = mkdtempSync(join(tmpdir(), 'elygate-embedded-'));
		const env = { DATABASE_URL: undefined, ELYGATE_ROOT_PASSWORD: 'root-password-1' };
		const first = await startServer({ dataDir, env });
		try {
			const pm = postmaster(dataDir);
			expect(pm?.port).toBeGreaterThan(0);
			expect(pm?.port).not.toBe(5432);
			expect(pm?.listen).toBe('127.0.0.1');
			expect(pm?.socketDir).toBe(''); // no Unix socket either
			expect(readLock(dataDir)).toMatchObject({ pid: first.proc.pid, port: pm?.port });
			expect(readFileSync(join(dataDir, 'postgres', 'PG_VERSION'), 'utf8').trim()).toBe('18');
			await register(new WebClient(first.url), 'kate', 'kate-password');

			const second = await runServerToExit({ dataDir, env });
			expect(second.exitCode).toBe(1);
			expect(second.output).toContain(`is already using the data directory ${dataDir}`);
			expect(readLock(dataDir)?.pid).toBe(first.proc.pid);
			expect((await signIn(new WebClient(first.url), 'kate', 'kate-password')).status).toBe(303);
		} finally {
			expect(await first.stop('SIGTERM')).toBe(0);
		}
		expect(readLock(dataDir)).toBeUndefined();
		expect(postmaster(dataDir)).toBeUndefined(); // the database stopped cleanly with us

		// With no server running, the CLI starts the embedded database itself, then stops it.
		expect(cli(dataDir, ['reset-password', 'kate', '--password-stdin'], 'kate-password-2\n')).toMatchObject({ code: 0 });
		expect(readLock(dataDir)).toBeUndefined();
		expect(postmaster(dataDir)).toBeUndefined();

		const again = await startServer({ dataDir, env });
		try {
			expect((await signIn(new WebClient(again.url), 'kate', 'kate-password')).status).toBe(400);
			expect((await signIn(new WebClient(again.url), 'kate', 'kate-password-2')).status).toBe(303);
			// With the server running, the CLI attaches to its database instead.
			expect(cli(dataDir, ['reset-password', 'kate', '--password-stdin'], 'kate-password-3\n')).toMatchObject({ code: 0 });
			expect(readLock(dataDir)?.pid).toBe(again.proc.pid);
			expect((await signIn(new WebClient(again.url), 'kate', 'kate-password-3')).status).toBe(303);
		} finally {
			expect(await again.stop('SIGINT')).toBe(0);
		}
	});

	test('after a hard kill, the next start stops the orphaned database and carries on', async () => {
		const dataDir = mkdtempSync(join(tmpdir(), 'elygate-embedded-'));
		const env = { DATABASE_URL: undefined, ELYGATE_ROOT_PASSWORD: 'root-password-1' };
		const killed = await startServer({ dataDir, env });
		await register(new WebClient(killed.url), 'liam', 'liam-password');
		await killed.stop('SIGKILL');
		const orphan = postmaster(dataDir);
		expect(orphan && isAlive(orphan.pid)).toBe(true);

		const next = await startServer({ dataDir, env });
		try {
			expect(isAlive(orphan!.pid)).toBe(false);
			expect(postmaster(dataDir)?.pid).not.toBe(orphan!.pid);
			expect((await signIn(new WebClient(next.url), 'liam', 'liam-password')).status).toBe(303);
		} finally {
			expect(await next.stop()).toBe(0);
		}
	});
});

test('a data directory its OS user cannot reach stops the start with one line naming the directory and the fix', async () => {
	const outer = mkdtempSync(join(tmpdir(), 'elygate-embedded-'));
	chmodSync(outer, 0o600); // nobody may search it: root (the postgres user then), nor its owner
	const dataDir = join(outer, 'data');
	const env = { DATABASE_URL: undefined, ELYGATE_ROOT_PASSWORD: 'root-password-1' };

	const refused = await runServerToExit({ dataDir, env });
	expect(refused.exitCode).toBe(1);
	const lines = refused.output.split('\n').filter((l) => l.includes(outer));
	expect(lines).toHaveLength(1);
	const escaped = outer.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
	expect(lines[0]).toMatch(
		new RegExp(
			`^The embedded PostgreSQL cannot use its data directory: ${escaped} \\(mode 0600, owner \\S+\\) ` +
				`must be searchable by the OS user "\\S+": chmod ([uo])\\+x ${escaped}, or set ELYGATE_DATA_DIR to a directory it can reach`
		)
	);
	expect(refused.output).not.toMatch(/initdb|Permission denied/);

	// Doing what the line says is enough.
	const who = /chmod ([uo])\+x/.exec(lines[0]!)![1]!;
	expect(Bun.spawnSync(['chmod', `${who}+x`, outer]).exitCode).toBe(0);
	const server = await startServer({ dataDir, env });
	expect(await server.stop()).toBe(0);
}, 120_000);

test('a failing test run keeps its failing exit code with the embedded database running', async () => {
	const run = Bun.spawn(['bun', '--bun', 'vitest', 'run', '--config', 'tests/fixtures/failing-suite/vitest.config.ts'], {
		cwd: projectRoot,
		env: { PATH: process.env.PATH, HOME: process.env.HOME, CI: '1' },
		stdout: 'pipe',
		stderr: 'pipe'
	});
	const [code, out] = await Promise.all([run.exited, new Response(run.stdout).text()]);
	expect(out).toMatch(/1 failed/);
	expect(out).toMatch(/1 passed/);
	expect(code).toBe(1);
}, 120_000);
