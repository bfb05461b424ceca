import type { ChannelKeyState } from '../state/snapshot';
import type { UpstreamFailure } from '../providers/types';
import type { Call } from './call';
import type { Serving } from './route';
import type { Timeouts } from './timeouts';

/** What one try on one channel came to: an answer committed to the client, a classified failure, or a client gone. */
export type Outcome =
	| { kind: 'answered'; response: Response; streaming: boolean }
	| { kind: 'failed'; failure: UpstreamFailure }
	| { kind: 'client-gone' };

/** One try's channel, adaptor, route, key and timeouts. */
export interface Target extends Serving {
	key: ChannelKeyState;
	timeouts: Timeouts;
}

/** What the attempt's one client-gone listener does now. */
export interface ClientLeaving {
	handle(): void;
}

/** A try whose request is on its way: what delivering its answer needs. */
export interface LiveAttempt {
	target: Target;
	/** One per attempt: a timeout here must not abort the client's own signal. */
	controller: AbortController;
	leaving: ClientLeaving;
	/** The listener on the client's signal; the stream removes it when it ends. */
	onClientGone: () => void;
}

export const failed = (failure: UpstreamFailure): Outcome => ({ kind: 'failed', failure });

/** No answer came: the client left, or why the attempt's own controller cut the request. */
export function noAnswer(call: Call, live: LiveAttempt): Outcome {
	if (call.input.request.signal.aborted) return { kind: 'client-gone' };
	const { timeouts } = live.target;
	const reason: unknown = live.controller.signal.reason;
	if (reason === 'timeout') {
		const waitedMs = call.req.stream ? timeouts.streamFirstByteMs : timeouts.firstByteMs;
		return failed({ kind: 'retry', status: 0, cause: 'timeout', message: `No answer within ${Math.round(waitedMs / 1000)} s.` });
	}
	if (reason === 'unreachable') {
		return failed({ kind: 'retry', status: 0, cause: 'unreachable', message: `Could not connect within ${Math.round(timeouts.connectMs / 1000)} s.` });
	}
	return failed({ kind: 'retry', status: 0, cause: 'unreachable', message: 'The upstream could not be reached.' });
}
