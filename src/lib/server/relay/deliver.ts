import type { ChatCompletion } from '../protocol/canonical';
import { isTransformError } from '../protocol/errors';
import type { NormalizedUsage } from '../providers/types';
import { failed, noAnswer, type LiveAttempt, type Outcome } from './attempt-outcome';
import { formatBytes } from './body';
import type { Call } from './call';
import { relayContext } from './context';
import { deliverStream } from './deliver-stream';
import { readCapped } from './read-capped';
import { countTextTokens } from './token-count';

/**
 * The upstream took the request: its answer goes to the client, as one JSON body or as a
 * stream, and a non-stream call is settled here (a stream settles when it ends).
 */
export async function deliver(call: Call, live: LiveAttempt, upstream: Response): Promise<Outcome> {
	if (!call.req.stream) return deliverJson(call, live, upstream);
	const streamed = await deliverStream(call, live, upstream);
	if (streamed.kind === 'failed' && live.controller.signal.aborted) return noAnswer(call, live);
	return streamed;
}

async function deliverJson(call: Call, live: LiveAttempt, upstream: Response): Promise<Outcome> {
	const { req, input } = call;
	const { request } = input;
	const { adaptor, route } = live.target;
	const ctx = relayContext();
	// A client that leaves now still pays for the request (docs/billing.md), and the answer is
	// read a little longer to learn its usage.
	let lingering: ReturnType<typeof setTimeout> | undefined;
	const drainMs = input.snap.options['relay.client_gone_drain_ms'];
	live.leaving.handle = () => void (lingering ??= setTimeout(() => live.controller.abort('client'), drainMs));
	let text: string | undefined;
	try {
		text = await readCapped(upstream, ctx.answerLimit);
	} catch {
		if (request.signal.aborted) return abandoned(call, call.estimate(0), true);
		return noAnswer(call, live);
	} finally {
		clearTimeout(lingering);
	}
	if (text === undefined) {
		return failed({ kind: 'retry', status: upstream.status, cause: 'bad-response', message: `The upstream's answer is larger than the ${formatBytes(ctx.answerLimit)} this gateway reads.` });
	}
	let finished;
	try {
		finished = adaptor.finishResponse(route.door, text, req.model, call.maxTokens);
		if (route.render && req.codec) finished = { ...finished, body: req.codec.renderCompletion(JSON.parse(finished.body) as ChatCompletion, call.renderContext()) };
	} catch (err) {
		// An answer the upstream says is the request's fault is the client's to see.
		if (isTransformError(err) && err.kind === 'upstream-format' && !err.retry) {
			return failed({ kind: 'client', status: 400, message: err.message, code: 'invalid_request', type: 'invalid_request_error' });
		}
		return failed({ kind: 'retry', status: upstream.status, cause: 'bad-response', message: 'The upstream answered with an unreadable body.' });
	}
	const usage = finished.usage ?? call.estimate(countTextTokens(finished.outputText));
	if (request.signal.aborted) return abandoned(call, usage, !finished.usage);
	call.end({ status: 200, usage, estimated: !finished.usage, firstTokenMs: Date.now() - input.startedAt });
	return {
		kind: 'answered',
		streaming: false,
		response: new Response(finished.body, { status: 200, headers: { 'content-type': 'application/json', ...input.headers } })
	};
}

/**
 * The client left after the upstream took its request: billed for the usage the upstream
 * reported, or at least the prompt (docs/billing.md), and logged as 499. The answer has no one
 * to go to.
 */
function abandoned(call: Call, usage: NormalizedUsage, estimated: boolean): Outcome {
	call.end({ status: 499, usage, estimated, upstreamAccepted: true, error: 'The client went away before the answer arrived.' });
	return { kind: 'answered', streaming: false, response: new Response(null, { status: 499 }) };
}
