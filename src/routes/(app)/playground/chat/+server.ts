import { error, json } from '@sveltejs/kit';
import { playgroundChat } from '$lib/schemas/account';
import { relayChatAsKey } from '$lib/server/relay';
import { ServiceError } from '$lib/server/services/errors';
import { getLog } from '$lib/server/services/logs';
import { pageContext } from '$lib/server/ui/page-context';
import type { RequestHandler } from './$types';

/**
 * One playground turn, relayed with the chosen key's identity (the server never has the key's
 * plaintext): the relay's SSE comes back as is, with the call's request id in `x-call-id`, so
 * the page can find the call's log row once it settled.
 */
export const POST: RequestHandler = async (event) => {
	const { user } = pageContext(event, 'user');
	let body: unknown;
	try {
		body = await event.request.json();
	} catch {
		error(400, 'Send the conversation as JSON.');
	}
	const parsed = playgroundChat.safeParse(body);
	if (!parsed.success) return json({ error: { message: parsed.error.issues[0]?.message ?? 'Invalid request.' } }, { status: 400 });
	const { keyId, model, messages } = parsed.data;
	const relayed = new Request(new URL('/v1/chat/completions', event.url), {
		method: 'POST',
		headers: { 'content-type': 'application/json' },
		body: JSON.stringify({ model, messages, stream: true, stream_options: { include_usage: true } }),
		signal: event.request.signal
	});
	const response = await relayChatAsKey(relayed, { keyId, userId: user.id, clientIp: event.locals.clientIp });
	// The page's own x-request-id is set by the hooks on the way out; the relay's travels beside it.
	const callId = response.headers.get('x-request-id');
	if (callId) response.headers.set('x-call-id', callId);
	return response;
};

/** The settled cost of one of the caller's calls, from its log row; 404 until the ledger wrote it. */
export const GET: RequestHandler = async (event) => {
	const { actor, svc } = pageContext(event, 'user');
	const requestId = event.url.searchParams.get('requestId') ?? '';
	if (!/^req_[0-9A-HJKMNP-TV-Z]{26}$/.test(requestId)) error(400, 'requestId: use the x-request-id of the call.');
	try {
		const log = await getLog(svc, actor, requestId);
		return json({ requestId, cost: log.cost, costUsd: log.costUsd, status: log.status, promptTokens: log.promptTokens, completionTokens: log.completionTokens });
	} catch (err) {
		if (err instanceof ServiceError && err.code === 'not_found') return json({ error: { message: 'Not settled yet.' } }, { status: 404 });
		throw err;
	}
};
