import { json } from '@sveltejs/kit';
import { m } from '$lib/paraglide/messages';
import { playgroundChat } from '$lib/schemas/playground';
import { relayChatAsKey } from '$lib/server/relay';
import { isReasoningModelName } from '$lib/server/providers/reasoning-models';
import { issuePath, ServiceError } from '$lib/server/services/errors';
import { getLog, type LogItem } from '$lib/server/services/logs';
import type { Actor } from '$lib/server/services/actor';
import type { ServiceContext } from '$lib/server/services/context';
import { pageContext } from '$lib/server/ui/page-context';
import type { RequestHandler } from './$types';

const REQUEST_ID = /^req_[0-9A-HJKMNP-TV-Z]{26}$/;
/** How long a cost request waits for the ledger (which writes every 100 ms) before it says "pending". */
const SETTLE_WAIT_MS = 5_000;

/**
 * One playground turn, relayed with the chosen key's identity (the server never has the key's
 * plaintext): the relay's SSE comes back as is, with the call's request id in `x-call-id`, so
 * the page can ask for the call's cost once the stream ended.
 */
export const POST: RequestHandler = async (event) => {
	const { user } = pageContext(event, 'user');
	let body: unknown;
	try {
		body = await event.request.json();
	} catch {
		return json({ error: { message: m.playground_err_json() } }, { status: 400 });
	}
	const parsed = playgroundChat.safeParse(body);
	if (!parsed.success) {
		const issue = parsed.error.issues[0];
		return json({ error: { message: issue?.message ?? m.playground_err_invalid(), field: issuePath(issue) || undefined } }, { status: 400 });
	}
	const { keyId, model, messages, temperature, maxTokens } = parsed.data;
	const chat: Record<string, unknown> = { model, messages, stream: true, stream_options: { include_usage: true } };
	if (temperature !== null) chat.temperature = temperature;
	// The field every OpenAI-compatible host knows, except OpenAI's reasoning models (the relay's own rule).
	if (maxTokens !== null) chat[isReasoningModelName(model) ? 'max_completion_tokens' : 'max_tokens'] = maxTokens;
	const relayed = new Request(new URL('/v1/chat/completions', event.url), {
		method: 'POST',
		headers: { 'content-type': 'application/json' },
		body: JSON.stringify(chat),
		signal: event.request.signal
	});
	const response = await relayChatAsKey(relayed, { keyId, userId: user.id, clientIp: event.locals.clientIp });
	// The page's own x-request-id is set by the hooks on the way out; the relay's travels beside it.
	const callId = response.headers.get('x-request-id');
	if (callId) response.headers.set('x-call-id', callId);
	return response;
};

/**
 * The settled cost of one of the caller's calls, from its log row. The row is written by the
 * ledger moments after the call ends, so this waits for it here (a few cheap look-ups, at most
 * SETTLE_WAIT_MS) rather than have the page poll; it always answers 200: `settled` with the
 * cost, or `pending` when the row is not there yet (or never will be: a call refused before it
 * was made leaves none).
 */
export const GET: RequestHandler = async (event) => {
	const { actor, svc } = pageContext(event, 'user');
	const requestId = event.url.searchParams.get('requestId') ?? '';
	if (!REQUEST_ID.test(requestId)) return json({ error: { message: m.playground_err_request_id() } }, { status: 400 });
	const log = await settledLog(svc, actor, requestId, event.request.signal);
	if (!log) return json({ state: 'pending', requestId });
	return json({ state: 'settled', requestId, cost: log.cost, costUsd: log.costUsd, status: log.status, promptTokens: log.promptTokens, completionTokens: log.completionTokens });
};

async function settledLog(svc: ServiceContext, actor: Actor, requestId: string, signal: AbortSignal): Promise<LogItem | null> {
	const deadline = Date.now() + SETTLE_WAIT_MS;
	for (let delay = 50; ; delay = Math.min(delay * 2, 400)) {
		try {
			return await getLog(svc, actor, requestId);
		} catch (err) {
			if (!(err instanceof ServiceError && err.code === 'not_found')) throw err;
		}
		if (signal.aborted || Date.now() + delay > deadline) return null;
		await new Promise((resolve) => setTimeout(resolve, delay));
	}
}
