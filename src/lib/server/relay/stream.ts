import type { StreamTranslator } from '../providers/types';
import { RelayError, streamErrorEvent } from './errors';
import { watchIdle } from './idle-watch';
import { scrubUpstreamMessage } from './scrub';

export type StreamEnd =
	| { kind: 'done' }
	| { kind: 'client-gone' }
	| { kind: 'upstream-error'; message: string }
	| { kind: 'upstream-cut'; message: string }
	| { kind: 'upstream-idle'; message: string };

export interface StreamHooks {
	/** Called once, with how the stream ended (after the last byte went out). */
	onEnd(end: StreamEnd): void;
	/** Whether the client has gone (its request signal aborted, which also cut the upstream read). */
	clientGone(): boolean;
	/** Longest silence allowed from the upstream once the stream is committed. */
	idleTimeoutMs: number;
	/** Stops the upstream request (silent too long, or read long enough after the client left). */
	abortUpstream(): void;
	/**
	 * After the client leaves, how long the upstream is still read (nothing is sent) so that its
	 * usage report arrives and the call is billed by it; 0 = stop at once.
	 */
	drainMs: number;
	/** The stream was committed: from now on the caller reports the client leaving by calling `clientLeft`. */
	onCommit?(clientLeft: () => void): void;
	/** The in-band error event in the client's protocol (OpenAI's by default). */
	errorEvent?(err: RelayError): string;
}

// Bun's ReadableStream accepts `type: 'direct'` sources, but the DOM typings the app also
// loads declare the constructor first and hide Bun's overload.
type DirectStreamConstructor = new (source: Bun.DirectUnderlyingSource) => ReadableStream<Uint8Array>;
const DirectReadableStream = ReadableStream as unknown as DirectStreamConstructor;

type Output = Uint8Array | string;
const isEmpty = (out: Output) => out.length === 0;

/**
 * Relays an upstream SSE body through a translator. Commit late: this resolves only once the
 * translator accepted the upstream's first event; until then every failure is a thrown
 * RelayError, so the caller can still answer with a proper status (or fail over). After the
 * commit, output goes out as each upstream chunk arrives, and failures become one in-band
 * error event with no [DONE] after it.
 */
export async function relayStream(
	body: ReadableStream<Uint8Array>,
	translator: StreamTranslator,
	hooks: StreamHooks,
	headers: Record<string, string>
): Promise<Response> {
	const reader = body.getReader();
	const pending: Output[] = [];
	const collect = (out: Output) => void (isEmpty(out) || pending.push(out));

	// Phase 1: up to the first event. Nothing has been sent to the client.
	try {
		while (translator.state === 'waiting') {
			const { done, value } = await reader.read();
			collect(done ? translator.end() : translator.push(value));
			if (done && translator.state === 'waiting') {
				throw new RelayError(502, 'The upstream closed the stream before sending anything.', 'bad_response', null, 'upstream_error');
			}
		}
		if (translator.state === 'rejected') {
			throw new RelayError(502, scrubUpstreamMessage(translator.rejection() ?? 'The upstream failed'), 'upstream_error', null, 'upstream_error');
		}
	} catch (err) {
		reader.cancel().catch(() => {});
		throw err;
	}

	// Phase 2: committed. Forward chunk by chunk; once the client is gone, keep reading (for
	// the usage report) until the upstream ends or the drain time is up.
	let clientGone = false;
	let pulling = false;
	let ended = false;
	let wentSilent = false;
	let drainTimer: ReturnType<typeof setTimeout> | undefined;
	const idle = watchIdle(hooks.idleTimeoutMs, () => {
		wentSilent = true;
		hooks.abortUpstream();
	});
	const finish = (end: StreamEnd) => {
		if (ended) return;
		ended = true;
		idle.stop();
		clearTimeout(drainTimer);
		hooks.onEnd(end);
	};
	function clientLeft() {
		if (clientGone) return;
		clientGone = true;
		if (!pulling) {
			// Nothing is reading the upstream: end here.
			reader.cancel().catch(() => {});
			finish({ kind: 'client-gone' });
		} else if (hooks.drainMs > 0) drainTimer = setTimeout(() => hooks.abortUpstream(), hooks.drainMs);
		else hooks.abortUpstream();
	}
	hooks.onCommit?.(clientLeft);
	const source: Bun.DirectUnderlyingSource = {
		type: 'direct',
		async pull(controller: ReadableStreamDirectController) {
			if (ended) return;
			pulling = true;
			// Sends one output; a promise only when the socket is backed up (the rare case), so
			// the common path adds no promise per chunk. Once the client is gone nothing is sent.
			const send = (out: Output): void | Promise<void> => {
				if (clientGone || isEmpty(out)) return;
				const written = controller.write(out);
				controller.flush();
				if (typeof written === 'number') {
					if (written === 0) clientLeft();
					return;
				}
				return written.then((n) => void (n === 0 && clientLeft()));
			};
			let end: StreamEnd = { kind: 'done' };
			try {
				for (const out of pending.splice(0)) await send(out);
				while (!translator.done()) {
					const { done, value } = await reader.read();
					idle.touch();
					if (done) {
						const rest = translator.end();
						await send(rest);
						if (!translator.done() && !clientGone) end = { kind: 'upstream-cut', message: 'The upstream ended the stream early.' };
						break;
					}
					const sent = send(translator.push(value));
					if (sent) await sent;
					const upstreamError = translator.error();
					if (upstreamError !== undefined) {
						end = { kind: 'upstream-error', message: upstreamError };
						break;
					}
				}
			} catch {
				clientGone ||= hooks.clientGone();
				end = wentSilent
					? { kind: 'upstream-idle', message: `The upstream sent nothing for ${Math.round(hooks.idleTimeoutMs / 1000)} s.` }
					: { kind: 'upstream-cut', message: 'The connection to the upstream broke mid-stream.' };
			}
			if (clientGone) end = { kind: 'client-gone' };
			if (end.kind === 'upstream-cut' || end.kind === 'upstream-error' || end.kind === 'upstream-idle') {
				const code = { 'upstream-cut': 'upstream_disconnected', 'upstream-error': 'upstream_error', 'upstream-idle': 'upstream_timeout' }[end.kind];
				const message = scrubUpstreamMessage(end.message);
				const err = new RelayError(502, message, code, null, 'server_error');
				await Promise.resolve(send(hooks.errorEvent ? hooks.errorEvent(err) : streamErrorEvent(err))).catch(() => {});
			}
			if (!clientGone) controller.close();
			finish(end);
			if (translator.done()) {
				// Read the upstream body to its end so its connection goes back to the pool.
				void drain(reader);
			} else {
				reader.cancel().catch(() => {}); // closes the upstream connection
			}
		},
		cancel() {
			clientLeft();
		}
	};
	// A direct stream writes straight to the socket: no per-chunk queueing or copying.
	return new Response(new DirectReadableStream(source), {
		status: 200,
		headers: {
			'content-type': 'text/event-stream; charset=utf-8',
			'cache-control': 'no-cache',
			'x-accel-buffering': 'no',
			...headers
		}
	});
}

async function drain(reader: ReadableStreamDefaultReader<Uint8Array>): Promise<void> {
	try {
		while (!(await reader.read()).done) {
			// nothing is expected after [DONE]
		}
	} catch {
		// the upstream went away; nothing to keep
	}
}
