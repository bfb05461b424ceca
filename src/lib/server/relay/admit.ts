import { codecFor } from '../doors/registry';
import type { DoorCodec } from '../protocol/door';
import { assertModelAllowed } from './auth';
import { readJsonBody, requireModel } from './body';
import type { CallInput, CallRequest } from './call';
import { relayContext } from './context';
import { RelayError, rethrowAsClientError } from './errors';
import { pathOf } from './routes';

/**
 * The first stage: refuses what must not reach billing or an upstream (the ledger behind, the
 * key over its rate limit, a body too large, slow or not JSON, a model the key may not use, a
 * body its door refuses) and reads the request once for every later stage.
 */
export async function admit(input: CallInput): Promise<CallRequest> {
	const { request, door, caller } = input;
	const ctx = relayContext();
	if (ctx.ledger.full) {
		throw new RelayError(503, 'The gateway is catching up on billing; try again shortly.', 'overloaded', null, 'server_error', {
			'retry-after': '1'
		});
	}
	const rate = ctx.limiter.admit(caller.key, Date.now());
	Object.assign(input.headers, rate.headers);
	if (!rate.ok) {
		throw new RelayError(
			429,
			`Rate limit reached for this API key: ${rate.what === 'requests' ? `${caller.key.rpmLimit} requests` : `${caller.key.tpmLimit} tokens`} per minute. Try again in ${rate.retryAfterSeconds} s.`,
			'rate_limit_exceeded',
			null,
			'rate_limit_error',
			rate.headers
		);
	}
	const body = await readJsonBody(request, { limit: ctx.bodyLimit, deadlineMs: ctx.bodyDeadlineMs });
	const model = requireModel(body.json);
	input.model = model;
	assertModelAllowed(caller, model);
	const codec = door === 'chat' || door === 'completions' || door === 'embeddings' ? undefined : codecFor(door);
	if (!codec && (door === 'messages' || door === 'responses')) {
		throw new RelayError(404, `Invalid URL (POST ${pathOf(request.url)})`, 'unknown_url');
	}
	return {
		body,
		model,
		stream: body.json.stream === true && door !== 'embeddings',
		clientWantsUsage: includesUsage(body.json.stream_options),
		codec,
		canonical: codec ? toCanonical(codec, body.json) : body.json,
		prepared: new Map(),
		output: { perChoice: 0, choices: 1, impose: false }
	};
}

/** The client's body in canonical terms; a body its door refuses is a 400 in the door's shape. */
function toCanonical(codec: DoorCodec, body: Record<string, unknown>): Record<string, unknown> {
	try {
		return codec.toCanonical(body) as Record<string, unknown>;
	} catch (err) {
		rethrowAsClientError(err);
	}
}

/** The client's own stream_options.include_usage (we inject ours upstream regardless). */
function includesUsage(streamOptions: unknown): boolean {
	return streamOptions !== null && typeof streamOptions === 'object' && (streamOptions as Record<string, unknown>).include_usage === true;
}
