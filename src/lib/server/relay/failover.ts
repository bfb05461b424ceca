import { relayRetries, upstreamFailures } from '../observability/relay-metrics';
import type { ChannelState } from '../state/snapshot';
import { attempt } from './attempt';
import type { Call } from './call';
import { relayContext } from './context';
import { finalError, type Attempted } from './final-error';
import { beginCall } from './inflight';
import { nextKey, servingBy } from './route';
import { scrubUpstreamMessage } from './scrub';
import { timeoutsFor } from './timeouts';

/**
 * Tries the candidate channels in order, each at most once, until one answers; failover
 * happens only before anything reached the client. A key the upstream refused is no fault of
 * its channel: the channel's next usable key gets the call. When nothing answered, the final
 * error is thrown, already settled. (`tryOnce` is the attempt stage; tests pass their own.)
 */
export async function failover(call: Call, candidates: ChannelState[], tryOnce: typeof attempt = attempt): Promise<Response> {
	const { input } = call;
	const { request, snap } = input;
	const ctx = relayContext();
	const record = call.record;
	input.disableIdleTimeout?.();
	record.onSettled = beginCall();
	let handedOff = false;
	try {
		const maxAttempts = 1 + snap.options['relay.retry_count'];
		channels: for (const channel of candidates) {
			const serving = servingBy(channel, input, call.req);
			if (!serving) continue;
			for (;;) {
				if (record.attempts >= maxAttempts || request.signal.aborted) break channels;
				const key = nextKey(channel);
				if (!key) {
					ctx.health.onAbandoned(channel);
					break;
				}
				if (record.attempts > 0) relayRetries.inc([]);
				record.attempts++;
				record.channelId = channel.id;
				record.channelType = channel.type;
				record.upstreamModel = channel.modelMapping.get(call.req.model) ?? call.req.model;
				const outcome = await tryOnce(call, { ...serving, key, timeouts: timeoutsFor(channel, snap.options) });
				if (outcome.kind === 'answered') {
					ctx.health.onSuccess(channel);
					handedOff = outcome.streaming;
					return outcome.response;
				}
				if (outcome.kind === 'client-gone') {
					ctx.health.onAbandoned(channel);
					return clientLeft(call);
				}
				upstreamFailures.inc([channel.type, outcome.failure.kind]);
				const actions = ctx.health.onFailure(channel, key, call.req.model, outcome.failure, Date.now());
				if (actions.length) ctx.persistHealth(actions);
				call.failures.push({ channel, failure: outcome.failure });
				if (outcome.failure.kind === 'client') break channels;
				if (outcome.failure.kind !== 'bad-key') break;
			}
		}
		if (request.signal.aborted) return clientLeft(call);
		const error = finalError(call.failures, call.req.model, ctx.health, Date.now());
		call.end({ status: error.status, error: attemptsSummary(call.failures) || error.message, code: error.code });
		error.settled = true;
		throw error;
	} finally {
		// A stream hands its end over to its own settle; anything else that left without settling
		// ends here, and a call that escaped every settle (a bug) still gives back its reservation.
		if (!handedOff) {
			if (!call.ended) call.end({ status: 500, error: 'The gateway failed while handling this call.', code: 'internal_error' });
			record.onSettled();
		}
	}
}

/** The client left before any answer started: nothing was processed for it, nothing is billed. */
function clientLeft(call: Call): Response {
	call.end({ status: 499, error: 'The client went away before the answer started.' });
	return new Response(null, { status: 499 });
}

/** "channel 3: 429 slow down; channel 5: no answer within 60 s", for the log row. */
export function attemptsSummary(attempted: readonly Attempted[]): string {
	return attempted
		.map(({ channel, failure }) => `channel ${channel.id}: ${failure.status ? `${failure.status} ` : ''}${scrubUpstreamMessage(failure.message)}`)
		.join('; ')
		.slice(0, 1000);
}
