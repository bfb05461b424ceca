import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Subprocess } from 'bun';
import { projectRoot } from '../../scripts/build-state';
import { eventually } from './eventually';
import { TEST_METRICS_TOKEN } from './metrics';

export interface ServerOptions {
	/** Extra environment; DATABASE_URL absent = embedded database in `dataDir`. */
	env?: Record<string, string | undefined>;
	dataDir?: string;
	/** The production entry by default; "build/index.js" is the adapter's own server, "scripts/start.ts" `bun run start`. */
	entry?: string;
	startTimeoutMs?: number;
}

export interface TestServer {
	url: string;
	port: number;
	dataDir: string;
	proc: Subprocess<'ignore', 'pipe', 'pipe'>;
	/** Every log line so far, stdout and stderr. */
	output(): string;
	/** Parsed JSON log records so far. */
	records(): Array<Record<string, unknown>>;
	/** Sends a signal and resolves with the exit code. */
	stop(signal?: NodeJS.Signals): Promise<number>;
}

/** Starts the built server as its own process and waits until it listens. */
export async function startServer(opts: ServerOptions = {}): Promise<TestServer> {
	const dataDir = opts.dataDir ?? mkdtempSync(join(tmpdir(), 'elygate-test-data-'));
	const proc = Bun.spawn(['bun', opts.entry ?? 'build/elygate.js'], {
		cwd: projectRoot,
		env: {
			PATH: process.env.PATH,
			HOME: process.env.HOME,
			HOST: '127.0.0.1',
			PORT: '0',
			LOG_LEVEL: 'info',
			ELYGATE_DATA_DIR: dataDir,
			ELYGATE_EMBEDDED_UNSAFE_NO_FSYNC: 'true',
			SHUTDOWN_DRAIN_SECONDS: '5',
			METRICS_TOKEN: TEST_METRICS_TOKEN,
			...opts.env
		},
		stdin: 'ignore',
		stdout: 'pipe',
		stderr: 'pipe'
	});
	let text = '';
	const pump = async (stream: ReadableStream<Uint8Array>) => {
		const decoder = new TextDecoder();
		const reader = stream.getReader();
		for (;;) {
			const { done, value } = await reader.read();
			if (done) return;
			text += decoder.decode(value, { stream: true });
		}
	};
	void pump(proc.stdout);
	void pump(proc.stderr);
	const records = () =>
		text
			.split('\n')
			.filter((l) => l.startsWith('{'))
			.flatMap((l) => {
				try {
					return [JSON.parse(l) as Record<string, unknown>];
				} catch {
					return [];
				}
			});

	const listening = eventually(
		() => {
			const record = records().find((r) => typeof r.msg === 'string' && r.msg.startsWith('Elygate is listening'));
			// The adapter's own server (build/index.js) prints a plain line instead, as do pretty logs.
			const line = /(?:^Listening|Elygate is listening) on http:\/\/[^:\s]+:(\d+)/m.exec(text);
			const port = typeof record?.port === 'number' ? record.port : Number(line?.[1]);
			if (!port) throw new Error(`not listening after ${opts.startTimeoutMs ?? 60_000} ms:\n${text}`);
			return port;
		},
		{ timeout: opts.startTimeoutMs ?? 60_000, interval: 50 }
	);
	const exited = proc.exited.then(async (code) => {
		await Bun.sleep(50); // let the pipes deliver the last lines
		throw new StartFailed(code, text);
	});
	let port: number;
	try {
		port = await Promise.race([listening, exited]);
	} catch (err) {
		proc.kill('SIGKILL');
		throw err;
	}
	exited.catch(() => {}); // exiting later is the test's business

	return {
		url: `http://127.0.0.1:${port}`,
		port,
		dataDir,
		proc,
		output: () => text,
		records,
		async stop(signal = 'SIGTERM') {
			if (proc.exitCode === null) proc.kill(signal);
			return proc.exited;
		}
	};
}

export class StartFailed extends Error {
	constructor(
		readonly exitCode: number,
		readonly output: string
	) {
		super(`The server exited with code ${exitCode} during start:\n${output}`);
	}
}

/** Runs the server until it exits (for starts that must fail), returning code and output. */
export async function runServerToExit(opts: ServerOptions): Promise<{ exitCode: number; output: string }> {
	try {
		const server = await startServer(opts);
		await server.stop();
		throw new Error(`The server started, but it should have refused to:\n${server.output()}`);
	} catch (err) {
		if (err instanceof StartFailed) return { exitCode: err.exitCode, output: err.output };
		throw err;
	}
}
