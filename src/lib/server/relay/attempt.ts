import { isClientFault, isTransformError } from '../protocol/errors';
import type { OutboundRequest } from '../providers/types';
import { failed, noAnswer, type LiveAttempt, type Outcome, type Target } from './attempt-outcome';
import type { Call } from './call';
import { relayContext } from './context';
import { deliver } from './deliver';
import { outboundRequest } from './outbound';
import { checkReachable, isProven, markReachable } from './reachability';
import { readPrefix } from './read-capped';

export type { Outcome, Target } from './attempt-outcome';

/** An upstream's error message is in its first bytes; the rest is not read. */
const ERROR_BODY_LIMIT = 64 * 1024;

/**
 * One try on one channel: builds the upstream request, sends it under the first-byte and
 * connect timeouts, and classifies a refusal; an accepted answer goes on to `deliver`.
 */
export async function attempt(call: Call, target: Target): Promise<Outcome> {
	const { request } = call.input;
	let outbound: OutboundRequest;
	try {
		const built = outboundRequest(call, target);
		outbound = built instanceof Promise ? await built : built;
	} catch (err) {
		// The request cannot be put in this upstream's terms (or an image it needs was refused):
		// the client's to fix, and no other channel of this type would do better.
		if (isTransformError(err) && isClientFault(err)) {
			return failed({ kind: 'client', status: 400, message: err.message, code: 'invalid_request', type: 'invalid_request_error' });
		}
		throw err;
	}
	const ctx = relayContext();
	const guarded = ctx.hostGuard.checkUrl(outbound.url);
	const refusal = guarded instanceof Promise ? await guarded : guarded;
	if (refusal) return failed({ kind: 'retry', status: 0, cause: 'unreachable', message: refusal });
	const controller = new AbortController();
	// What a client leaving does: cut the upstream until it has taken the request, then (one
	// listener throughout, swapped rather than re-registered) let it finish for its usage.
	const leaving = { handle: () => controller.abort('client') };
	const live: LiveAttempt = { target, controller, leaving, onClientGone: () => leaving.handle() };
	request.signal.addEventListener('abort', live.onClientGone, { once: true });
	const { timeouts } = target;
	const firstByte = setTimeout(() => controller.abort('timeout'), call.req.stream ? timeouts.streamFirstByteMs : timeouts.firstByteMs);
	if (!isProven(outbound.url)) void checkReachable(outbound.url, timeouts.connectMs).then((r) => r && controller.abort('unreachable'));
	let streaming = false;
	try {
		let upstream: Response;
		try {
			// Bun's own idle timer is off: the relay's first-byte and idle timeouts govern.
			// A redirect is not followed: it would resend the channel's credentials to another host
			// (fetch strips only Authorization), and a GET in its place would answer something else.
			upstream = await fetch(outbound.url, {
				method: 'POST',
				headers: outbound.headers,
				body: outbound.body,
				signal: controller.signal,
				redirect: 'manual',
				timeout: false
			} as RequestInit);
		} catch {
			return noAnswer(call, live);
		}
		markReachable(outbound.url);
		if (upstream.status >= 300 && upstream.status < 400) {
			upstream.body?.cancel().catch(() => {});
			return failed({
				kind: 'retry',
				status: upstream.status,
				cause: 'bad-response',
				message: `The upstream answered ${upstream.status} (a redirect, which is not followed): the channel's base URL must be the API's own address.`
			});
		}
		if (!upstream.ok) {
			const text = await readPrefix(upstream, ERROR_BODY_LIMIT).catch(() => '');
			return failed(target.adaptor.classifyFailure(upstream.status, upstream.headers, text));
		}
		const outcome = await deliver(call, live, upstream);
		// A stream that started keeps the listener until it ends.
		streaming = outcome.kind === 'answered' && outcome.streaming;
		return outcome;
	} finally {
		clearTimeout(firstByte);
		if (!streaming) request.signal.removeEventListener('abort', live.onClientGone);
	}
}
