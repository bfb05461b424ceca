import { adaptorFor } from '../providers/registry';
import type { Door, NormalizedUsage, OutboundRequest, ProviderAdaptor, UpstreamFailure } from '../providers/types';
import { relayRetries, upstreamFailures } from '../observability/relay-metrics';
import type { ChannelKeyState, ChannelState, Snapshot } from '../state/snapshot';
import type { Caller } from './auth';
import { assertModelAllowed } from './auth';
import { readJsonBody, requireModel, type JsonBody } from './body';
import { relayContext, syncHealthSettings } from './context';
import { RelayError } from './errors';
import { finalError, type Attempted } from './final-error';
import { beginCall } from './inflight';
import { checkReachable, isProven, markReachable } from './reachability';
import { scrubUpstreamMessage } from './scrub';
import { candidateChannels, pickKey } from './select';
import { settle, type CallRecord } from './settle';
import { relayStream } from './stream';
import { timeoutsFor, type Timeouts } from './timeouts';
import { countProducedTokens, countTextTokens, estimatePromptTokens } from './token-count';
import { withOutputLimit } from './output-limit';
import { readCapped, readPrefix } from './read-capped';
import { codecFor } from '../doors/registry';
import { RenderedTranslator } from '../doors/render-stream';
import { DoorInputError, isClientFault, isTransformError } from '../protocol/errors';
import type { DoorCodec, RenderContext } from '../protocol/door';
import type { ChatCompletion, ChatRequest } from '../protocol/canonical';
import { doorErrorOf } from './errors';
import { pathOf } from './routes';
import { outputBudgetOf, quoteFor, reservationOf, type OutputBudget } from '../billing/pricing';
import { promptReserveTokens } from '../billing/prompt-reserve';
import { formatUsd } from '../../money';
import { formatBytes } from './body';

export interface CallInput {
	request: Request;
	door: Door;
	caller: Caller;
	snap: Snapshot;
	requestId: string;
	clientRequestId: string | null;
	clientIp: string;
	startedAt: number;
	/** x-request-id, CORS and rate-limit headers every answer carries. */
	headers: Record<string, string>;
	/** Lets a long call outlive the server's idle timeout (the relay keeps its own timers). */
	disableIdleTimeout?: () => void;
}

type Outcome =
	| { kind: 'answered'; response: Response; streaming: boolean }
	| { kind: 'failed'; failure: UpstreamFailure }
	| { kind: 'client-gone' };

interface Request_ {
	body: JsonBody;
	model: string;
	stream: boolean;
	clientWantsUsage: boolean;
	/** The door's codec, for doors other than OpenAI's (Anthropic messages, Responses). */
	codec: DoorCodec | undefined;
	/** The request as canonical chat: the client's own body on the OpenAI doors, converted on others. */
	canonical: Record<string, unknown>;
	/** Converted bodies that went through an adaptor's `prepare` (images inlined), by adaptor type. */
	prepared: Map<string, Promise<ChatRequest>>;
	/** The output the reservation covers; imposed upstream when the client set no limit. */
	output: OutputBudget;
}

/** How one channel serves this call: in the door's own protocol, or through canonical chat. */
interface Route {
	native: boolean;
	/** The door the adaptor is asked to speak. */
	door: Door;
	/** The answer must be rendered for the client's door. */
	render: boolean;
}

function routeFor(adaptor: ProviderAdaptor, door: Door, channel: ChannelState, codec: DoorCodec | undefined): Route | undefined {
	if (adaptor.native(door, channel)) return { native: true, door, render: false };
	if (codec) return adaptor.supports('chat') ? { native: false, door: 'chat', render: true } : undefined;
	return adaptor.supports(door) ? { native: false, door, render: false } : undefined;
}

/**
 * One proxied call: check the key's rate limits and the body, then try the candidate channels
 * in order, each at most once, until one answers (failover happens only before anything reached
 * the client). Every path out of here after the body was accepted settles exactly once.
 */
export async function proxyCall(input: CallInput): Promise<Response> {
	const { request, door, caller, snap } = input;
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
	assertModelAllowed(caller, model);
	const codec = door === 'chat' || door === 'completions' || door === 'embeddings' ? undefined : codecFor(door);
	if (!codec && (door === 'messages' || door === 'responses')) {
		throw new RelayError(404, `Invalid URL (POST ${pathOf(request.url)})`, 'unknown_url');
	}
	const req: Request_ = {
		body,
		model,
		stream: body.json.stream === true && door !== 'embeddings',
		clientWantsUsage: includesUsage(body.json.stream_options),
		codec,
		canonical: codec ? toCanonical(codec, body.json) : body.json,
		prepared: new Map(),
		output: { perChoice: 0, choices: 1, impose: false }
	};
	syncHealthSettings(snap.options);
	const now = Date.now();
	const candidates = candidateChannels(snap, caller.user.group, model, (c) => ctx.health.isCooling(c.id, now));
	if (candidates.length === 0) {
		throw new RelayError(404, `The model ${model} does not exist or you do not have access to it.`, 'model_not_found', 'model');
	}
	const quote = quoteFor(snap, model, caller.user.group);
	if (!quote) {
		throw new RelayError(403, `The model ${model} has no price set, so calls to it cannot be billed. An administrator must price it first.`, 'model_not_priced', 'model');
	}
	req.output = outputBudgetOf(req.canonical, quote.price, door);
	const reserved = reserve(caller, reservationOf(quote, promptReserveTokens(body.raw, req.canonical), req.output.perChoice * req.output.choices));

	const call: CallRecord = {
		requestId: input.requestId,
		clientRequestId: input.clientRequestId,
		startedAt: input.startedAt,
		userId: caller.user.id,
		apiKeyId: caller.key.id,
		channelId: null,
		channelType: null,
		model,
		quote,
		reserved,
		upstreamModel: null,
		door,
		stream: req.stream,
		clientIp: input.clientIp,
		attempts: 0,
		onTokens: (tokens) => ctx.limiter.addTokens(caller.key, tokens, Date.now())
	};
	input.disableIdleTimeout?.();
	call.onSettled = beginCall();
	let handedOff = false;
	try {
		const maxAttempts = 1 + snap.options['relay.retry_count'];
		const attempted: Attempted[] = [];
		channels: for (const channel of candidates) {
			const adaptor = adaptorFor(channel.type);
			const route = adaptor && routeFor(adaptor, door, channel, codec);
			if (!adaptor || !route) continue;
			if (ctx.health.usableKeys(channel).length === 0) continue;
			if (ctx.health.admit(channel, model, Date.now()) === 'skip') continue;
			// A channel is tried once, except that a key the upstream refused is no fault of the
			// channel: its next usable key gets the call.
			for (;;) {
				if (call.attempts >= maxAttempts || request.signal.aborted) break channels;
				const key = pickKey(channel, ctx.health.usableKeys(channel));
				if (!key) {
					ctx.health.onAbandoned(channel);
					break;
				}
				if (call.attempts > 0) relayRetries.inc([]);
				call.attempts++;
				call.channelId = channel.id;
				call.channelType = channel.type;
				call.upstreamModel = channel.modelMapping.get(model) ?? model;
				const midStreamFailure = (failure: UpstreamFailure) => {
					// The client already has part of the answer: nothing to retry, but the channel failed.
					upstreamFailures.inc([channel.type, failure.kind]);
					ctx.health.onFailure(channel, key, model, failure, Date.now());
				};
				const outcome = await attempt(input, req, call, channel, key, adaptor, route, timeoutsFor(channel, snap.options), midStreamFailure);
				if (outcome.kind === 'answered') {
					ctx.health.onSuccess(channel);
					handedOff = outcome.streaming;
					return outcome.response;
				}
				if (outcome.kind === 'client-gone') {
					ctx.health.onAbandoned(channel);
					settle(call, { status: 499, error: 'The client went away before the answer started.' });
					return new Response(null, { status: 499 });
				}
				upstreamFailures.inc([channel.type, outcome.failure.kind]);
				const actions = ctx.health.onFailure(channel, key, model, outcome.failure, Date.now());
				if (actions.length) ctx.persistHealth(actions);
				attempted.push({ channel, failure: outcome.failure });
				if (outcome.failure.kind === 'client') break channels;
				if (outcome.failure.kind !== 'bad-key') break;
			}
		}
		if (request.signal.aborted) {
			settle(call, { status: 499, error: 'The client went away before the answer started.' });
			return new Response(null, { status: 499 });
		}
		const error = finalError(attempted, model, ctx.health, Date.now());
		settle(call, { status: error.status, error: attemptsSummary(attempted) || error.message });
		error.settled = true;
		throw error;
	} finally {
		// A stream hands its end over to settle(); anything else that left without settling ends
		// here, and a call that escaped every settle (a bug) still gives back its reservation.
		if (!handedOff) {
			if (!call.settled) settle(call, { status: 500, error: 'The gateway failed while handling this call.' });
			call.onSettled();
		}
	}
}

/**
 * Holds the call's worst-case cost against the user's balance and the key's limit, or
 * refuses it. Nothing has been sent upstream yet, so a refusal costs nothing.
 */
function reserve(caller: Caller, amount: number): number {
	const { wallet } = relayContext();
	if (wallet.reserve(caller.user, caller.key, amount)) return amount;
	const keyShort = wallet.availableToKey(caller.key) < amount;
	const available = Math.max(0, keyShort ? wallet.availableToKey(caller.key) : wallet.availableToUser(caller.user));
	const what = keyShort ? "This API key's spending limit" : 'Your balance';
	throw new RelayError(
		429,
		`${what} cannot cover this request: it may cost up to ${formatUsd(amount)} and ${formatUsd(available)} is available. Top up, lower max_tokens, or raise the key's limit.`,
		'insufficient_quota',
		null,
		'insufficient_quota',
		{ 'x-should-retry': 'false' }
	);
}

/** One try on one channel: an answer (committed to the client), a classified failure, or a client gone. */
async function attempt(
	input: CallInput,
	req: Request_,
	call: CallRecord,
	channel: ChannelState,
	key: ChannelKeyState,
	adaptor: ProviderAdaptor,
	route: Route,
	timeouts: Timeouts,
	midStreamFailure: (failure: UpstreamFailure) => void
): Promise<Outcome> {
	const { request } = input;
	let outbound: OutboundRequest;
	try {
		// Synchronous unless images must be inlined first: the common call adds no promise hop.
		const built = outboundRequest(input, req, call, channel, key, adaptor, route);
		outbound = built instanceof Promise ? await built : built;
	} catch (err) {
		// The request cannot be put in this upstream's terms (or an image it needs was refused):
		// the client's to fix, and no other channel of this type would do better.
		if (isTransformError(err) && isClientFault(err)) return { kind: 'failed', failure: { kind: 'client', status: 400, message: err.message, code: 'invalid_request', type: 'invalid_request_error' } };
		throw err;
	}
	const ctx = relayContext();
	const guarded = ctx.hostGuard.checkUrl(outbound.url);
	const refusal = guarded instanceof Promise ? await guarded : guarded;
	if (refusal) return { kind: 'failed', failure: { kind: 'retry', status: 0, cause: 'unreachable', message: refusal } };
	// One controller per attempt: a timeout here must not abort the client's own signal.
	const controller = new AbortController();
	// What a client leaving does: cut the upstream until it has taken the request, then (one
	// listener throughout, swapped rather than re-registered) let it finish for its usage.
	const leaving: ClientLeaving = { handle: () => controller.abort('client') };
	const onClientGone = () => leaving.handle();
	request.signal.addEventListener('abort', onClientGone, { once: true });
	const firstByte = setTimeout(() => controller.abort('timeout'), req.stream ? timeouts.streamFirstByteMs : timeouts.firstByteMs);
	if (!isProven(outbound.url)) void checkReachable(outbound.url, timeouts.connectMs).then((r) => r && controller.abort('unreachable'));
	let keepListening = false;
	const failed = (failure: UpstreamFailure): Outcome => ({ kind: 'failed', failure });
	const noAnswer = (): Outcome => {
		if (request.signal.aborted) return { kind: 'client-gone' };
		const reason = controller.signal.reason;
		if (reason === 'timeout') {
			return failed({ kind: 'retry', status: 0, cause: 'timeout', message: `No answer within ${Math.round((req.stream ? timeouts.streamFirstByteMs : timeouts.firstByteMs) / 1000)} s.` });
		}
		if (reason === 'unreachable') {
			return failed({ kind: 'retry', status: 0, cause: 'unreachable', message: `Could not connect within ${Math.round(timeouts.connectMs / 1000)} s.` });
		}
		return failed({ kind: 'retry', status: 0, cause: 'unreachable', message: 'The upstream could not be reached.' });
	};
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
			return noAnswer();
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
			return failed(adaptor.classifyFailure(upstream.status, upstream.headers, text));
		}
		if (req.stream) {
			const streamed = await streamAnswer(input, req, call, adaptor, route, upstream, timeouts, controller, onClientGone, leaving, midStreamFailure);
			if (streamed.kind === 'answered') keepListening = true;
			if (streamed.kind === 'failed' && controller.signal.aborted) return noAnswer();
			return streamed;
		}
		// The upstream took the request: a client that leaves now still pays for it
		// (docs/billing.md), and the answer is read a little longer to learn its usage.
		let lingering: ReturnType<typeof setTimeout> | undefined;
		const drainMs = input.snap.options['relay.client_gone_drain_ms'];
		leaving.handle = () => void (lingering ??= setTimeout(() => controller.abort('client'), drainMs));
		let text: string | undefined;
		try {
			text = await readCapped(upstream, ctx.answerLimit);
		} catch {
			if (request.signal.aborted) return abandoned(call, estimate(req, 0), true);
			return noAnswer();
		} finally {
			clearTimeout(lingering);
		}
		if (text === undefined) {
			return failed({ kind: 'retry', status: upstream.status, cause: 'bad-response', message: `The upstream's answer is larger than the ${formatBytes(ctx.answerLimit)} this gateway reads.` });
		}
		let finished;
		try {
			finished = adaptor.finishResponse(route.door, text, req.model, maxTokensOf(req.canonical));
			if (route.render && req.codec) finished = { ...finished, body: req.codec.renderCompletion(JSON.parse(finished.body) as ChatCompletion, renderContext(input, req)) };
		} catch (err) {
			// An answer the upstream says is the request's fault is the client's to see.
			if (isTransformError(err) && err.kind === 'upstream-format' && !err.retry) {
				return failed({ kind: 'client', status: 400, message: err.message, code: 'invalid_request', type: 'invalid_request_error' });
			}
			return failed({ kind: 'retry', status: upstream.status, cause: 'bad-response', message: 'The upstream answered with an unreadable body.' });
		}
		const usage = finished.usage ?? estimate(req, countTextTokens(finished.outputText));
		if (request.signal.aborted) return abandoned(call, usage, !finished.usage);
		settle(call, { status: 200, usage, estimated: !finished.usage, firstTokenMs: Date.now() - call.startedAt });
		return {
			kind: 'answered',
			streaming: false,
			response: new Response(finished.body, { status: 200, headers: { 'content-type': 'application/json', ...input.headers } })
		};
	} finally {
		clearTimeout(firstByte);
		if (!keepListening) request.signal.removeEventListener('abort', onClientGone);
	}
}

async function streamAnswer(
	input: CallInput,
	req: Request_,
	call: CallRecord,
	adaptor: ProviderAdaptor,
	route: Route,
	upstream: Response,
	timeouts: Timeouts,
	controller: AbortController,
	onClientGone: () => void,
	leaving: ClientLeaving,
	midStreamFailure: (failure: UpstreamFailure) => void
): Promise<Outcome> {
	if (!upstream.body || !(upstream.headers.get('content-type') ?? '').includes('text/event-stream')) {
		upstream.body?.cancel().catch(() => {});
		return { kind: 'failed', failure: { kind: 'retry', status: upstream.status, cause: 'bad-response', message: 'The upstream did not stream its answer.' } };
	}
	const upstreamTranslator = adaptor.createStreamTranslator({
		publicModel: req.model,
		// A rendered stream needs the usage chunk for its own closing events.
		clientWantsUsage: route.render || req.clientWantsUsage,
		door: route.door,
		maxTokens: maxTokensOf(req.canonical)
	});
	const rendered = route.render && req.codec ? new RenderedTranslator(upstreamTranslator, req.codec.createStreamRenderer(renderContext(input, req))) : undefined;
	const translator = rendered ?? upstreamTranslator;
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
				idleTimeoutMs: timeouts.streamIdleMs,
				drainMs: input.snap.options['relay.client_gone_drain_ms'],
				errorEvent,
				abortUpstream: () => controller.abort('idle'),
				clientGone: () => input.request.signal.aborted,
				// Committed: a client leaving from now on no longer cuts the upstream at once.
				onCommit: (clientLeft) => void (leaving.handle = clientLeft),
				onEnd(end) {
					input.request.signal.removeEventListener('abort', onClientGone);
					const reported = translator.usage();
					// All of the output counts: what was kept as text, and the rest by its size.
					const usage = reported ?? estimate(req, countProducedTokens(translator.producedText()));
					const status = end.kind === 'done' ? 200 : end.kind === 'client-gone' ? 499 : 502;
					const error = end.kind === 'done' ? null : end.kind === 'client-gone' ? 'The client went away mid-stream.' : end.message;
					settle(call, { status, usage, estimated: !reported, firstTokenMs, error, upstreamAccepted: true });
					if (end.kind !== 'done' && end.kind !== 'client-gone') {
						midStreamFailure({ kind: 'retry', status: 0, cause: end.kind === 'upstream-idle' ? 'timeout' : 'disconnected', message: end.message });
					}
				}
			},
			input.headers
		);
		firstTokenMs = Date.now() - call.startedAt;
		return { kind: 'answered', response, streaming: true };
	} catch (err) {
		const message = err instanceof RelayError ? err.message : 'The upstream stream failed before it started.';
		return { kind: 'failed', failure: { kind: 'retry', status: upstream.status, cause: 'bad-response', message } };
	}
}

/**
 * The client left after the upstream took its request: billed for the usage the upstream
 * reported, or at least the prompt (docs/billing.md), and logged as 499. The answer has no one
 * to go to.
 */
function abandoned(call: CallRecord, usage: NormalizedUsage, estimated: boolean): Outcome {
	settle(call, { status: 499, usage, estimated, upstreamAccepted: true, error: 'The client went away before the answer arrived.' });
	return { kind: 'answered', streaming: false, response: new Response(null, { status: 499 }) };
}

/** What the attempt's one client-gone listener does now. */
interface ClientLeaving {
	handle(): void;
}

/** Usage counted locally, for an upstream that reported none. */
function estimate(req: Request_, outputTokens: number): NormalizedUsage {
	return { inputUncached: estimatePromptTokens(req.canonical), cacheRead: 0, cacheWrite: 0, output: outputTokens, reasoning: 0 };
}

function maxTokensOf(body: Record<string, unknown>): number | undefined {
	const limit = body.max_completion_tokens ?? body.max_tokens;
	return typeof limit === 'number' && Number.isSafeInteger(limit) && limit > 0 ? limit : undefined;
}

/** An upstream's error message is in its first bytes; the rest is not read. */
const ERROR_BODY_LIMIT = 64 * 1024;

/**
 * The upstream request for one attempt: the client's own body when the channel speaks the
 * door's protocol, else the canonical body (images inlined once per adaptor type, when the
 * adaptor needs that), put in the upstream's terms by the adaptor.
 */
function outboundRequest(
	input: CallInput,
	req: Request_,
	call: CallRecord,
	channel: ChannelState,
	key: ChannelKeyState,
	adaptor: ProviderAdaptor,
	route: Route
): OutboundRequest | Promise<OutboundRequest> {
	const upstreamModel = call.upstreamModel ?? req.model;
	const build = (given: Record<string, unknown>, givenRaw: string | undefined) => {
		const { body, raw } = req.output.impose ? withOutputLimit(given, givenRaw, route.door, upstreamModel, req.output.perChoice) : { body: given, raw: givenRaw };
		return adaptor.buildRequest({
			channel,
			secret: key.secret,
			door: route.door,
			body,
			rawBody: raw ?? JSON.stringify(body),
			upstreamModel,
			stream: req.stream,
			clientHeaders: input.request.headers
		});
	};
	if (route.native || !adaptor.prepare) return build(route.native ? req.body.json : req.canonical, route.native || !req.codec ? req.body.raw : undefined);
	let prepared = req.prepared.get(adaptor.type);
	if (!prepared) {
		prepared = adaptor.prepare(req.canonical as ChatRequest, relayContext().fetchImage);
		req.prepared.set(adaptor.type, prepared);
	}
	return prepared.then((body) => build(body, undefined));
}

function renderContext(input: CallInput, req: Request_): RenderContext {
	return { publicModel: req.model, requestId: input.requestId, request: req.body.json };
}

/** The client's body in canonical terms; a body its door refuses is a 400 in the door's shape. */
function toCanonical(codec: DoorCodec, body: Record<string, unknown>): Record<string, unknown> {
	try {
		return codec.toCanonical(body) as Record<string, unknown>;
	} catch (err) {
		if (err instanceof DoorInputError) throw new RelayError(400, err.message, 'invalid_request', err.param);
		throw err;
	}
}

/** "channel 3: 429 slow down; channel 5: no answer within 60 s", for the log row. */
function attemptsSummary(attempted: Attempted[]): string {
	return attempted
		.map(({ channel, failure }) => `channel ${channel.id}: ${failure.status ? `${failure.status} ` : ''}${scrubUpstreamMessage(failure.message)}`)
		.join('; ')
		.slice(0, 1000);
}

/** The client's own stream_options.include_usage (we inject ours upstream regardless). */
function includesUsage(streamOptions: unknown): boolean {
	return streamOptions !== null && typeof streamOptions === 'object' && (streamOptions as Record<string, unknown>).include_usage === true;
}
