import type { RequestEvent, RequestHandler } from '@sveltejs/kit';
import * as z from 'zod';
import { services } from '../app/services';
import { exceedsJsonDepth, jsonTooDeepMessage } from '../http/json-depth';
import { relayContextIfConfigured } from '../relay/context';
import type { ChannelHealthView } from '../relay/health';
import type { Actor } from '../services/actor';
import type { ServiceContext } from '../services/context';
import { ServiceError, fieldError } from '../services/errors';
import { assertAccess, resolveActor, type Access } from './auth';
import { ApiError, toErrorResponse } from './errors';
import { withIdempotency } from './idempotency';

/** The relay's in-memory view of a channel, when the relay runs in this process. */
function liveChannelHealth(channelId: number): ChannelHealthView | undefined {
	return relayContextIfConfigured()?.health.describe(channelId, Date.now());
}

export type Method = 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';

export interface EndpointContext<P, Q> {
	actor: Actor;
	params: P;
	query: Q;
	/** The parsed JSON body, unvalidated: the service validates it with the documented schema. */
	body: unknown;
	event: RequestEvent;
	svc: ServiceContext;
}

/**
 * One management API operation: what the route does, who may call it, and the zod schemas
 * that both validate it and document it (the OpenAPI document is built from these specs).
 */
export interface EndpointSpec<P extends z.ZodType = z.ZodType, Q extends z.ZodType = z.ZodType> {
	method: Method;
	/** OpenAPI path, e.g. "/api/channels/{id}". */
	path: string;
	summary: string;
	tag: string;
	access: Access;
	params?: P;
	query?: Q;
	/** The request body's schema (the same one the service parses with). */
	body?: z.ZodType;
	/** The answer's schema; none = 204 No Content. */
	response?: z.ZodType;
	status?: 200 | 201;
	/** Creates: honour Idempotency-Key. */
	idempotent?: boolean;
	/** Can also answer as a CSV download (`?format=csv` or `Accept: text/csv`); the handler returns that Response itself. */
	csv?: boolean;
	/** Error statuses beyond the ones every endpoint of its kind may give (e.g. 429). */
	errors?: number[];
	handle(ctx: EndpointContext<z.output<P>, z.output<Q>>): Promise<unknown>;
}

/** Every endpoint defined, in definition order: the source of the OpenAPI document. */
export const endpointRegistry: EndpointSpec[] = [];

// Public endpoints (health, readiness, the OpenAPI document) call no service; should one ever
// pass this on, it is the least privileged caller there is: a user who does not exist.
const PUBLIC_ACTOR: Actor = { kind: 'user', id: 0, role: 'user' };

export function endpoint<P extends z.ZodType = z.ZodType, Q extends z.ZodType = z.ZodType>(
	spec: EndpointSpec<P, Q>
): RequestHandler {
	endpointRegistry.push(spec as unknown as EndpointSpec);
	return async function handleEndpoint(event) {
		try {
			const actor = spec.access === 'public' ? PUBLIC_ACTOR : await resolveActor(event);
			assertAccess(actor, spec.access);
			const params = parsePart(spec.params, event.params, 'path');
			const query = parsePart(spec.query, Object.fromEntries(event.url.searchParams), 'query');
			const body = spec.body ? await readBody(event.request) : undefined;
			const { db, secrets } = services();
			const run = async () => {
				const result = await spec.handle({ actor, params, query, body, event, svc: { db, secrets, channelHealth: liveChannelHealth } });
				if (result instanceof Response) return { status: result.status, body: result };
				return { status: result === undefined ? 204 : (spec.status ?? 200), body: result };
			};
			const key = spec.idempotent ? event.request.headers.get('idempotency-key') : null;
			// The concrete path, not the template: the same key sent to /users/1 and /users/2 is two requests.
			const answer = key ? await withIdempotency(db, secrets, `${actorKey(actor)} ${spec.method} ${event.url.pathname}`, key, body, run) : await run();
			if (answer.body instanceof Response) return answer.body;
			return answer.status === 204 ? new Response(null, { status: 204 }) : Response.json(answer.body, { status: answer.status });
		} catch (err) {
			return toErrorResponse(err, event.locals.requestId);
		}
	};
}

function actorKey(actor: Actor): string {
	return actor.kind === 'user' ? `user:${actor.id}` : actor.kind === 'token' ? `token:${actor.id ?? 'env'}` : 'system';
}

function parsePart<S extends z.ZodType>(schema: S | undefined, value: unknown, where: 'path' | 'query'): z.output<S> {
	if (!schema) return undefined as z.output<S>;
	const result = schema.safeParse(value);
	if (result.success) return result.data;
	const issue = result.error.issues[0];
	const field = issue?.path.map(String).join('.') || undefined;
	if (where === 'path') throw new ApiError(404, 'not_found', 'Not found.');
	throw field ? fieldError('invalid_request', field, `${issue?.message}`) : new ServiceError('invalid_request', issue?.message ?? 'Invalid query');
}

async function readBody(request: Request): Promise<unknown> {
	const type = request.headers.get('content-type') ?? '';
	if (!/^application\/json\b/i.test(type)) {
		throw new ApiError(415, 'unsupported_media_type', 'Send the body as JSON with "Content-Type: application/json".');
	}
	const text = await request.text();
	if (!text.trim()) return {};
	let value: unknown;
	try {
		value = JSON.parse(text) as unknown;
	} catch {
		throw new ApiError(400, 'invalid_json', 'The request body is not valid JSON.');
	}
	if (exceedsJsonDepth(value)) throw new ApiError(400, 'json_too_deep', jsonTooDeepMessage());
	return value;
}
