/**
 * Runs a noisy command (a build, a package install) with its output captured: the terminal
 * shows one progress line, "Building Elygate… done in 41 s", and the command's whole output
 * only when it fails.
 */

export interface Output {
	write(text: string): unknown;
	isTTY?: boolean;
}

export interface QuietRunOptions {
	/** What is happening, e.g. "Building Elygate". */
	label: string;
	command: string[];
	cwd?: string;
	/** Where the progress line (and a failure's output) go; stdout by default. */
	out?: Output;
}

export interface QuietRunResult {
	exitCode: number;
	/** stdout and stderr, interleaved as they arrived. */
	output: string;
	seconds: number;
}

export async function runQuietly({ label, command, cwd, out = process.stdout }: QuietRunOptions): Promise<QuietRunResult> {
	const started = performance.now();
	const elapsed = () => Math.round((performance.now() - started) / 1000);
	out.write(`${label}… `);
	// On a terminal the line counts the seconds, so a long build visibly lives.
	const ticker = out.isTTY ? setInterval(() => out.write(`\r${label}… ${elapsed()} s`), 1000) : undefined;

	let output = '';
	let exitCode: number;
	try {
		const child = Bun.spawn(command, { cwd, stdin: 'ignore', stdout: 'pipe', stderr: 'pipe' });
		const collect = async (stream: ReadableStream<Uint8Array>) => {
			const decoder = new TextDecoder();
			const reader = stream.getReader();
			for (let read = await reader.read(); !read.done; read = await reader.read()) {
				output += decoder.decode(read.value, { stream: true });
			}
			output += decoder.decode();
		};
		[exitCode] = await Promise.all([child.exited, collect(child.stdout), collect(child.stderr)]);
	} catch (err) {
		output += `${err instanceof Error ? err.message : String(err)}\n`; // e.g. the command does not exist
		exitCode = 127;
	} finally {
		clearInterval(ticker);
	}

	const seconds = elapsed();
	const start = out.isTTY ? `\r${label}… ` : '';
	if (exitCode === 0) {
		out.write(`${start}done in ${seconds} s\n`);
	} else {
		out.write(`${start}failed after ${seconds} s (exit ${exitCode}):\n`);
		out.write(output.endsWith('\n') || output === '' ? output : `${output}\n`);
	}
	return { exitCode, output, seconds };
}
