import { adaptorFor } from '../providers/registry';
import type { Door, NormalizedUsage, ProviderAdaptor } from '../providers/types';
import type { Snapshot } from '../state/snapshot';
import type { Caller } from './auth';
import { assertModelAllowed } from './auth';
import { readJsonBody, requireModel } from './body';
import { relayContext } from './context';
import { RelayError } from './errors';
import { beginCall } from './inflight';
import { candidateChannels, pickKey } from './select';
import { settle, type CallRecord } from './settle';
import { relayStream } from './stream';
import { countTextTokens, estimatePromptTokens } from './token-count';
import { upstreamFailure } from './upstream-errors';

export interface CallInput {
	request: Request;
	door: Door;
	caller: Caller;
	snap: Snapshot;
	requestId: string;
	clientRequestId: string | null;
	clientIp: string;
	startedAt: number;
	/** x-request-id and CORS headers every answer carries. */
	headers: Record<string, string>;
	/** Lets a long call outlive the server's idle timeout (streams manage their own). */
	disableIdleTimeout?: () => void;
}

/**
 * One proxied call: read and check the body, pick a channel, call it, translate the answer,
 * settle. Every path out of here after the body was accepted settles exactly once.
 */
export async function proxyCall(input: CallInput): Promise<Response> {
	const { request, door, caller, snap } = input;
	const ctx = relayContext();
	if (ctx.ledger.full) {
		throw new RelayError(503, 'The gateway is catching up on billing; try again shortly.', 'overloaded', null, 'server_error', {
			'retry-after': '1'
		});
	}
	const body = await readJsonBody(request, ctx.bodyLimit);
	const model = requireModel(body.json);
	assertModelAllowed(caller, model);
	const stream = body.json.stream === true && door !== 'embeddings';
	const clientWantsUsage = includesUsage(body.json.stream_options);

	const channel = candidateChannels(snap, caller.user.group, model, Date.now())[0];
	const adaptor = channel && adaptorFor(channel.type);
	const secret = channel && pickKey(channel);
	if (!channel || !adaptor || !secret || !adaptor.supports(door)) {
		throw new RelayError(404, `The model ${model} does not exist or you do not have access to it.`, 'model_not_found', 'model');
	}
	const upstreamModel = channel.modelMapping.get(model) ?? model;
	const endCall = beginCall();
	const call: CallRecord = {
		requestId: input.requestId,
		clientRequestId: input.clientRequestId,
		startedAt: input.startedAt,
		userId: caller.user.id,
		apiKeyId: caller.key.id,
		channelId: channel.id,
		model,
		upstreamModel,
		door,
		stream,
		clientIp: input.clientIp,
		attempts: 1
	};
	const outbound = adaptor.buildRequest({ channel, secret: secret.secret, door, body: body.json, rawBody: body.raw, upstreamModel, stream });

	input.disableIdleTimeout?.();
	const estimate = (outputText: string): NormalizedUsage => ({
		inputUncached: estimatePromptTokens(body.json),
		cacheRead: 0,
		cacheWrite: 0,
		output: countTextTokens(outputText),
		reasoning: 0
	});

	let upstream: Response;
	let streaming = false;
	try {
		// The request's own signal aborts when the client goes away, which cancels this fetch.
		upstream = await fetch(outbound.url, { method: 'POST', headers: outbound.headers, body: outbound.body, signal: request.signal });
	} catch (err) {
		endCall();
		if (request.signal.aborted) {
			settle(call, { status: 499, error: 'The client went away before the upstream answered.' });
			return new Response(null, { status: 499 });
		}
		ctx.log.warn({ err, channel: channel.id, requestId: call.requestId }, 'upstream unreachable');
		settle(call, { status: 502, error: 'The upstream could not be reached.' });
		throw new RelayError(502, 'The upstream provider could not be reached.', 'upstream_unreachable', null, 'upstream_error');
	}

	try {
		if (!upstream.ok) {
			const failure = upstreamFailure(adaptor, upstream.status, await upstream.text(), upstream.headers);
			settle(call, { status: failure.status, error: `upstream ${upstream.status}: ${failure.message}` });
			throw failure;
		}
		if (stream) {
			const response = await streamAnswer(input, call, adaptor, upstream, estimate, clientWantsUsage, endCall);
			streaming = true;
			return response;
		}
		return await jsonAnswer(input, call, adaptor, door, upstream, estimate);
	} catch (err) {
		if (err instanceof RelayError) throw err; // settled where it was raised
		if (request.signal.aborted) {
			settle(call, { status: 499, error: 'The client went away before the answer was complete.' });
			return new Response(null, { status: 499 });
		}
		settle(call, { status: 502, error: 'The connection to the upstream broke.' });
		throw new RelayError(502, 'The connection to the upstream provider broke.', 'upstream_disconnected', null, 'upstream_error');
	} finally {
		if (!streaming) endCall();
	}
}

async function jsonAnswer(
	input: CallInput,
	call: CallRecord,
	adaptor: ProviderAdaptor,
	door: Door,
	upstream: Response,
	estimate: (text: string) => NormalizedUsage
): Promise<Response> {
	const text = await upstream.text();
	let finished;
	try {
		finished = adaptor.finishResponse(door, text, call.model);
	} catch {
		settle(call, { status: 502, error: 'The upstream answered with an unreadable body.' });
		throw new RelayError(502, 'The upstream provider answered with an unreadable body.', 'bad_response', null, 'upstream_error');
	}
	const usage = finished.usage ?? estimate(finished.outputText);
	settle(call, { status: 200, usage, estimated: !finished.usage, firstTokenMs: Date.now() - call.startedAt });
	return new Response(finished.body, {
		status: 200,
		headers: { 'content-type': 'application/json', ...input.headers }
	});
}

async function streamAnswer(
	input: CallInput,
	call: CallRecord,
	adaptor: ProviderAdaptor,
	upstream: Response,
	estimate: (text: string) => NormalizedUsage,
	clientWantsUsage: boolean,
	endCall: () => void
): Promise<Response> {
	if (!upstream.body || !(upstream.headers.get('content-type') ?? '').includes('text/event-stream')) {
		settle(call, { status: 502, error: 'The upstream did not stream its answer.' });
		throw new RelayError(502, 'The upstream provider did not stream its answer.', 'bad_response', null, 'upstream_error');
	}
	const translator = adaptor.createStreamTranslator({
		publicModel: call.model,
		clientWantsUsage,
		door: input.door
	});
	let firstTokenMs: number | null = null;
	try {
		const response = await relayStream(
			upstream.body,
			translator,
			{
				clientGone: () => input.request.signal.aborted,
				onEnd(end) {
					const reported = translator.usage();
					const usage = reported ?? estimate(translator.outputText());
					const status = end.kind === 'done' ? 200 : end.kind === 'client-gone' ? 499 : 502;
					const error =
						end.kind === 'done' ? null : end.kind === 'client-gone' ? 'The client went away mid-stream.' : end.message;
					settle(call, { status, usage, estimated: !reported, firstTokenMs, error });
					endCall();
				}
			},
			input.headers
		);
		firstTokenMs = Date.now() - call.startedAt;
		return response;
	} catch (err) {
		const failure =
			err instanceof RelayError ? err : new RelayError(502, 'The upstream stream failed before it started.', 'bad_response', null, 'upstream_error');
		settle(call, { status: failure.status, error: failure.message });
		throw failure;
	}
}

/** The client's own stream_options.include_usage (we inject ours upstream regardless). */
function includesUsage(streamOptions: unknown): boolean {
	return streamOptions !== null && typeof streamOptions === 'object' && (streamOptions as Record<string, unknown>).include_usage === true;
}
