import { currentPhase } from '../app/phase';
import { clientIp as resolveClientIp } from '../http/client-ip';
import { acceptClientRequestId, newRequestId } from '../http/request-id';
import { relayRequests, statusClass } from '../observability/relay-metrics';
import { snapshot } from '../state/current';
import { authenticate, callerGroup, identify, type Caller } from './auth';
import { proxyCall } from './call';
import { relayContext } from './context';
import { corsHeaders, preflight } from './cors';
import { RelayError, errorResponse, rethrowAsClientError } from './errors';
import { matchRelayRoute, pathOf } from './routes';
import { visibleModels } from './select';
import { codecFor } from '../doors/registry';
import { assertModelAllowed } from './auth';
import { readJsonBody, requireModel } from './body';
import { estimatePromptTokensAsync } from './token-count';

/** Where the request came from: the socket's address, and the server (for per-request timeouts). */
export interface Peer {
	address: string | undefined;
	server?: Bun.Server<unknown>;
}

/**
 * The /v1 entry point, called by the production entry directly and by the SvelteKit routes
 * under `vite dev`. Reads only the in-memory snapshot; the ledger writes in the background.
 * Not async itself: refusals are answered synchronously, and a call adds no extra promise hop.
 */
export function handleRelayRequest(request: Request, peer: Peer): Promise<Response> {
	const startedAt = Date.now();
	const requestId = newRequestId();
	const clientRequestId = acceptClientRequestId(request.headers.get('x-request-id')) ?? null;
	const snap = snapshot();
	const cors = corsHeaders(request.headers.get('origin'), snap.options['relay.cors_origins']);
	// nosniff: an answer is JSON or an event stream, never something to run.
	const headers: Record<string, string> = clientRequestId
		? { 'x-request-id': requestId, 'x-client-request-id': clientRequestId, 'x-content-type-options': 'nosniff', ...cors }
		: { 'x-request-id': requestId, 'x-content-type-options': 'nosniff', ...cors };
	const route = matchRelayRoute(request.method, pathOf(request.url));
	// Settled calls count themselves (with their model and channel); everything else counts here.
	const finish = (response: Response, counted = false): Response => {
		if (!counted && route.kind === 'call' && response.status !== 200) relayRequests.inc(['other', 'none', statusClass(response.status)]);
		return response;
	};
	const fail = (err: unknown): Response => {
		const error = asRelayError(err, requestId);
		return finish(errorResponse(error, headers, route.kind === 'call' ? route.door : route.kind === 'count-tokens' ? 'messages' : undefined), error.settled);
	};
	try {
		const answer = dispatch();
		return answer instanceof Promise ? answer.then((r) => finish(r, true), fail) : Promise.resolve(finish(answer));
	} catch (err) {
		return Promise.resolve(fail(err));
	}

	function dispatch(): Response | Promise<Response> {
		switch (route.kind) {
			case 'preflight': {
				const res = preflight(request, snap.options['relay.cors_origins']);
				res.headers.set('x-request-id', requestId);
				return res;
			}
			case 'unknown':
				throw new RelayError(404, `Invalid URL (${request.method} ${pathOf(request.url)})`, 'unknown_url');
			case 'wrong-method':
				throw new RelayError(405, `Use ${route.allow} for ${pathOf(request.url)}.`, 'method_not_allowed', null, 'invalid_request_error', {
					allow: route.allow
				});
		}
		if (currentPhase() !== 'ready') {
			throw new RelayError(503, 'The gateway is shutting down; retry on another instance.', 'shutting_down', null, 'server_error', {
				'retry-after': '1',
				connection: 'close'
			});
		}
		const { trustedProxy } = relayContext();
		const clientIp = resolveClientIp(request.headers, peer.address, trustedProxy);
		if (route.kind !== 'call') {
			const caller = authenticate(request.headers, snap, clientIp, startedAt);
			if (route.kind === 'models') return listModels(caller, headers);
			if (route.kind === 'count-tokens') return countTokens(request, caller, headers);
			return oneModel(caller, route.id, headers);
		}
		// A known key's call: proxyCall checks the key itself, so its refusals are logged.
		const caller = identify(request.headers, snap);
		return proxyCall({
			request,
			door: route.door,
			caller,
			snap,
			requestId,
			clientRequestId,
			clientIp,
			startedAt,
			headers,
			disableIdleTimeout: peer.server ? () => peer.server?.timeout(request, 0) : undefined
		});
	}
}

function asRelayError(err: unknown, requestId: string): RelayError {
	if (err instanceof RelayError) return err;
	relayContext().log.error({ err, requestId }, 'relay failure');
	return new RelayError(500, 'The gateway failed to handle this request.', 'internal_error', null, 'server_error');
}

/**
 * POST /v1/messages/count_tokens: the prompt's tokens counted locally (o200k_base), whatever
 * upstream would serve the model. No upstream call, nothing billed, and no balance needed, so
 * the count is the bounded one (docs/token-counting.md) and gives the event loop turns.
 */
async function countTokens(request: Request, caller: Caller, headers: Record<string, string>): Promise<Response> {
	const codec = codecFor('messages');
	if (!codec?.countTokens) throw new RelayError(404, 'Token counting is not available.', 'unknown_url');
	const { bodyLimit, bodyDeadlineMs } = relayContext();
	const body = await readJsonBody(request, { limit: bodyLimit, deadlineMs: bodyDeadlineMs });
	const model = requireModel(body.json);
	assertModelAllowed(caller, model);
	try {
		return Response.json(await codec.countTokens(body.json, estimatePromptTokensAsync), { headers });
	} catch (err) {
		rethrowAsClientError(err);
	}
}

function modelObject(id: string, created: number) {
	return { id, object: 'model', created, owned_by: 'elygate' };
}

function listModels(caller: Caller, headers: Record<string, string>): Response {
	const models = visibleModels(snapshot(), callerGroup(caller), caller.key.allowedModels);
	const data = [...models].sort(([a], [b]) => a.localeCompare(b)).map(([id, created]) => modelObject(id, created));
	return Response.json({ object: 'list', data }, { headers });
}

function oneModel(caller: Caller, id: string, headers: Record<string, string>): Response {
	const created = visibleModels(snapshot(), callerGroup(caller), caller.key.allowedModels).get(id);
	if (created === undefined) {
		throw new RelayError(404, `The model ${id} does not exist or you do not have access to it.`, 'model_not_found', 'model');
	}
	return Response.json(modelObject(id, created), { headers });
}

/** A caller the server has already identified (a signed-in user picking one of their keys). */
export interface KnownCaller {
	keyId: number;
	/** The signed-in user: the key must be theirs. */
	userId: number;
	/** The viewer's address, checked against the key's IP allow-list. */
	clientIp: string;
}

/**
 * A chat completion on behalf of a key the server knows by id, without its plaintext (only
 * hashes are stored): the key is found in the snapshot and checked as `authenticate` checks a
 * presented one, then the call takes the same `proxyCall` path (limits, billing, logging).
 */
export function relayChatAsKey(request: Request, known: KnownCaller): Promise<Response> {
	const startedAt = Date.now();
	const requestId = newRequestId();
	const headers: Record<string, string> = { 'x-request-id': requestId };
	try {
		if (currentPhase() !== 'ready') {
			throw new RelayError(503, 'The gateway is shutting down; try again in a moment.', 'shutting_down', null, 'server_error', { 'retry-after': '1' });
		}
		const snap = snapshot();
		const hash = snap.keyHashById.get(known.keyId);
		const key = hash === undefined ? undefined : snap.keysByHash.get(hash);
		const user = key && snap.users.get(key.userId);
		if (!key || !user || key.userId !== known.userId) throw new RelayError(401, 'Unknown API key.', 'invalid_api_key');
		// proxyCall checks the key's status, expiry, owner and IP allow-list, and logs a refusal.
		return proxyCall({
			request,
			door: 'chat',
			caller: { key, user },
			snap,
			requestId,
			clientRequestId: null,
			clientIp: known.clientIp,
			startedAt,
			headers
		}).catch((err: unknown) => errorResponse(asRelayError(err, requestId), headers, 'chat'));
	} catch (err) {
		return Promise.resolve(errorResponse(asRelayError(err, requestId), headers, 'chat'));
	}
}
