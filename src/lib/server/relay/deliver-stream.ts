import { renderedStream } from './render-stream';
import { upstreamFailures } from '../observability/relay-metrics';
import type { UpstreamFailure } from '../providers/types';
import type { LiveAttempt, Outcome } from './attempt-outcome';
import type { Call } from './call';
import { relayContext } from './context';
import { doorErrorOf, RelayError } from './errors';
import { relayStream } from './stream';
import { countProducedTokens } from './token-count';

/**
 * Relays the upstream's stream through its translator (rendered for the client's door when
 * the channel answered in canonical chat). Resolves once the stream is committed; the call is
 * settled when the stream ends, however it ends.
 */
export async function deliverStream(call: Call, live: LiveAttempt, upstream: Response): Promise<Outcome> {
	if (!upstream.body || !(upstream.headers.get('content-type') ?? '').includes('text/event-stream')) {
		upstream.body?.cancel().catch(() => {});
		return { kind: 'failed', failure: { kind: 'retry', status: upstream.status, cause: 'bad-response', message: 'The upstream did not stream its answer.' } };
	}
	const { req, input } = call;
	const { adaptor, route } = live.target;
	const options = {
		publicModel: req.model,
		// A rendered stream needs the usage chunk for its own closing events.
		clientWantsUsage: route.render || req.clientWantsUsage,
		door: route.door,
		maxTokens: call.maxTokens
	};
	const rendered = route.render && req.codec ? renderedStream(adaptor, options, req.codec.createStreamRenderer(call.renderContext())) : undefined;
	const translator = rendered ?? adaptor.createStreamTranslator(options);
	const codec = req.codec;
	const errorEvent = rendered
		? (err: RelayError) => rendered.errorEvent(doorErrorOf(err))
		: codec
			? (err: RelayError) => `event: error\ndata: ${JSON.stringify(codec.errorBody(doorErrorOf(err)))}\n\n`
			: undefined;
	let firstTokenMs: number | null = null;
	try {
		const response = await relayStream(
			upstream.body,
			translator,
			{
				idleTimeoutMs: live.target.timeouts.streamIdleMs,
				drainMs: input.snap.options['relay.client_gone_drain_ms'],
				errorEvent,
				abortUpstream: () => live.controller.abort('idle'),
				clientGone: () => input.request.signal.aborted,
				// Committed: a client leaving from now on no longer cuts the upstream at once.
				onCommit: (clientLeft) => void (live.leaving.handle = clientLeft),
				onEnd(end) {
					input.request.signal.removeEventListener('abort', live.onClientGone);
					const reported = translator.usage();
					// All of the output counts: what was kept as text, and the rest by its size.
					const usage = reported ?? call.estimate(countProducedTokens(translator.producedText()));
					const status = end.kind === 'done' ? 200 : end.kind === 'client-gone' ? 499 : 502;
					const error = end.kind === 'done' ? null : end.kind === 'client-gone' ? 'The client went away mid-stream.' : end.message;
					call.end({ status, usage, estimated: !reported, firstTokenMs, error, upstreamAccepted: true });
					if (end.kind !== 'done' && end.kind !== 'client-gone') {
						failedMidStream(call, live, { kind: 'retry', status: 0, cause: end.kind === 'upstream-idle' ? 'timeout' : 'disconnected', message: end.message });
					}
				}
			},
			input.headers
		);
		firstTokenMs = Date.now() - input.startedAt;
		return { kind: 'answered', response, streaming: true };
	} catch (err) {
		const message = err instanceof RelayError ? err.message : 'The upstream stream failed before it started.';
		return { kind: 'failed', failure: { kind: 'retry', status: upstream.status, cause: 'bad-response', message } };
	}
}

/** The client already has part of the answer: nothing to retry, but the channel failed. */
function failedMidStream(call: Call, live: LiveAttempt, failure: UpstreamFailure): void {
	const { channel, key } = live.target;
	upstreamFailures.inc([channel.type, failure.kind]);
	relayContext().health.onFailure(channel, key, call.req.model, failure, Date.now());
}
