import { createParser } from 'eventsource-parser';
import type { StreamTranslator } from '../providers/types';
import { RelayError, streamErrorEvent } from './errors';
import { scrubUpstreamMessage } from './scrub';

export type StreamEnd =
	| { kind: 'done' }
	| { kind: 'client-gone' }
	| { kind: 'upstream-error'; message: string }
	| { kind: 'upstream-cut'; message: string };

export interface StreamHooks {
	/** Called once, with how the stream ended (after the last byte went out). */
	onEnd(end: StreamEnd): void;
	/** Stop the upstream request (the client left, or we gave up). */
	abortUpstream(): void;
}

const decoderFor = () => new TextDecoder();

// Bun's ReadableStream accepts `type: 'direct'` sources, but the DOM typings the app also
// loads declare the constructor first and hide Bun's overload.
type DirectStreamConstructor = new (source: Bun.DirectUnderlyingSource) => ReadableStream<Uint8Array>;
const DirectReadableStream = ReadableStream as unknown as DirectStreamConstructor;

async function drain(reader: ReadableStreamDefaultReader<Uint8Array>): Promise<void> {
	try {
		while (!(await reader.read()).done) {
			// nothing is expected after [DONE]
		}
	} catch {
		// the upstream went away; nothing to keep
	}
}

/**
 * Translates an upstream SSE body for the client. Commit late: this resolves only once the
 * upstream's first event has been read and accepted; until then every failure is a thrown
 * RelayError, so the caller can still answer with a proper status (or fail over). After the
 * commit, bytes go out as each upstream chunk arrives, and failures become one in-band error
 * event with no [DONE] after it.
 */
export async function relayStream(
	body: ReadableStream<Uint8Array>,
	translator: StreamTranslator,
	hooks: StreamHooks,
	headers: Record<string, string>
): Promise<Response> {
	const reader = body.getReader();
	const decoder = decoderFor();
	let pending = '';
	let sawDone = false;
	let committed = false;
	let rejected: string | undefined;
	const parser = createParser({
		onEvent(event) {
			if (rejected !== undefined) return;
			if (!committed) {
				const first = translator.first(event.data);
				if (!first.ok) {
					rejected = first.message;
					return;
				}
				committed = true;
				pending += first.out;
			} else {
				pending += translator.next(event.data);
			}
			if (event.data === '[DONE]') sawDone = true;
		},
		onComment(comment) {
			if (committed) pending += translator.comment(comment);
		}
	});

	// Phase 1: up to the first event. Nothing has been sent to the client.
	try {
		while (!committed) {
			const { done, value } = await reader.read();
			if (done) throw new RelayError(502, 'The upstream closed the stream before sending anything.', 'bad_response', null, 'upstream_error');
			parser.feed(decoder.decode(value, { stream: true }));
			if (rejected !== undefined) throw new RelayError(502, rejected, 'upstream_error', null, 'upstream_error');
		}
	} catch (err) {
		reader.cancel().catch(() => {});
		throw err;
	}

	// Phase 2: committed. Forward chunk by chunk.
	let clientGone = false;
	let ended = false;
	const finish = (end: StreamEnd) => {
		if (ended) return;
		ended = true;
		hooks.onEnd(end);
	};
	const source: Bun.DirectUnderlyingSource = {
		type: 'direct',
		async pull(controller: ReadableStreamDirectController) {
			const send = async (text: string): Promise<boolean> => {
				if (!text) return true;
				const written = await controller.write(text);
				controller.flush();
				if (written === 0) clientGone = true;
				return !clientGone;
			};
			let end: StreamEnd = { kind: 'done' };
			try {
				const first = pending;
				pending = '';
				if (!(await send(first))) end = { kind: 'client-gone' };
				while (end.kind === 'done' && !sawDone) {
					const { done, value } = await reader.read();
					if (clientGone) {
						end = { kind: 'client-gone' };
						break;
					}
					if (done) {
						end = { kind: 'upstream-cut', message: 'The upstream ended the stream early.' };
						break;
					}
					parser.feed(decoder.decode(value, { stream: true }));
					const out = pending;
					pending = '';
					if (!(await send(out))) end = { kind: 'client-gone' };
					const upstreamError = translator.error();
					if (upstreamError !== undefined) end = { kind: 'upstream-error', message: upstreamError };
				}
			} catch {
				end = clientGone ? { kind: 'client-gone' } : { kind: 'upstream-cut', message: 'The connection to the upstream broke mid-stream.' };
			}
			if (end.kind === 'upstream-cut' || end.kind === 'upstream-error') {
				const code = end.kind === 'upstream-cut' ? 'upstream_disconnected' : 'upstream_error';
				const message = scrubUpstreamMessage(end.message);
				await send(streamErrorEvent(new RelayError(502, message, code, null, 'server_error'))).catch(() => false);
			}
			controller.close();
			finish(end);
			if (end.kind === 'done') {
				// Read the upstream body to its end so its connection goes back to the pool.
				void drain(reader);
			} else {
				hooks.abortUpstream();
				reader.cancel().catch(() => {});
			}
		},
		cancel() {
			clientGone = true;
			hooks.abortUpstream();
			reader.cancel().catch(() => {});
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
