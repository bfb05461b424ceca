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
	/** Stops the upstream request (used when it has been silent too long). */
	abortUpstream(): void;
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

	// Phase 2: committed. Forward chunk by chunk.
	let clientGone = false;
	let ended = false;
	let wentSilent = false;
	const idle = watchIdle(hooks.idleTimeoutMs, () => {
		wentSilent = true;
		hooks.abortUpstream();
	});
	const finish = (end: StreamEnd) => {
		if (ended) return;
		ended = true;
		idle.stop();
		hooks.onEnd(end);
	};
	const source: Bun.DirectUnderlyingSource = {
		type: 'direct',
		async pull(controller: ReadableStreamDirectController) {
			// Sends one output; a promise only when the socket is backed up (the rare case), so
			// the common path adds no promise per chunk.
			const send = (out: Output): boolean | Promise<boolean> => {
				if (isEmpty(out)) return !clientGone;
				const written = controller.write(out);
				controller.flush();
				if (typeof written === 'number') {
					if (written === 0) clientGone = true;
					return !clientGone;
				}
				return written.then((n) => {
					if (n === 0) clientGone = true;
					return !clientGone;
				});
			};
			const sent = async (out: Output): Promise<boolean> => {
				const ok = send(out);
				return typeof ok === 'boolean' ? ok : await ok;
			};
			let end: StreamEnd = { kind: 'done' };
			try {
				for (const out of pending.splice(0)) if (!(await sent(out))) end = { kind: 'client-gone' };
				while (end.kind === 'done' && !translator.done()) {
					const { done, value } = await reader.read();
					idle.touch();
					if (clientGone) {
						end = { kind: 'client-gone' };
						break;
					}
					if (done) {
						await sent(translator.end());
						if (!translator.done()) end = { kind: 'upstream-cut', message: 'The upstream ended the stream early.' };
						break;
					}
					let ok = send(translator.push(value));
					if (typeof ok !== 'boolean') ok = await ok;
					if (!ok) end = { kind: 'client-gone' };
					const upstreamError = translator.error();
					if (upstreamError !== undefined) end = { kind: 'upstream-error', message: upstreamError };
				}
			} catch {
				clientGone ||= hooks.clientGone();
				end = clientGone
					? { kind: 'client-gone' }
					: wentSilent
						? { kind: 'upstream-idle', message: `The upstream sent nothing for ${Math.round(hooks.idleTimeoutMs / 1000)} s.` }
						: { kind: 'upstream-cut', message: 'The connection to the upstream broke mid-stream.' };
			}
			if (end.kind === 'upstream-cut' || end.kind === 'upstream-error' || end.kind === 'upstream-idle') {
				const code = { 'upstream-cut': 'upstream_disconnected', 'upstream-error': 'upstream_error', 'upstream-idle': 'upstream_timeout' }[end.kind];
				const message = scrubUpstreamMessage(end.message);
				const err = new RelayError(502, message, code, null, 'server_error');
				await sent(hooks.errorEvent ? hooks.errorEvent(err) : streamErrorEvent(err)).catch(() => false);
			}
			controller.close();
			finish(end);
			if (end.kind === 'done') {
				// Read the upstream body to its end so its connection goes back to the pool.
				void drain(reader);
			} else {
				reader.cancel().catch(() => {}); // closes the upstream connection
			}
		},
		cancel() {
			clientGone = true;
			idle.stop();
			reader.cancel().catch(() => {}); // closes the upstream connection
			finish({ kind: 'client-gone' });
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
