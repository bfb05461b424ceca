import type { BuildRequestInput, Door, OutboundRequest } from '../types';

const PATHS: Record<Door, string> = {
	chat: '/chat/completions',
	completions: '/completions',
	embeddings: '/embeddings',
	messages: '/messages',
	responses: '/responses'
};

/** OpenAI's layout: each door's path under the channel's base URL (https://platform.openai.com/docs/api-reference). */
export function openAIUrl(baseUrl: string, door: Door): string {
	return baseUrl + PATHS[door];
}

/** JSON in, JSON or an event stream out, the channel key as a bearer token. */
export function openAIHeaders(secret: string, stream: boolean): Record<string, string> {
	return {
		'content-type': 'application/json',
		accept: stream ? 'text/event-stream' : 'application/json',
		authorization: `Bearer ${secret}`
	};
}

/** `openAIRequest` to OpenAI's own paths. */
export function buildOpenAIRequest(input: BuildRequestInput): OutboundRequest {
	return openAIRequest(openAIUrl(input.channel.baseUrl, input.door), input);
}

/**
 * The client's body goes upstream as sent, except the model name (when the channel maps it)
 * and, for streams, `stream_options.include_usage` (we always need the usage chunk). `body` is
 * the vendor's rewrite of the client's body, or the client's own object when it changed
 * nothing; when nothing at all changed the raw bytes are forwarded without re-serialising,
 * and otherwise the body is serialised once.
 */
export function openAIRequest(url: string, input: BuildRequestInput, body: Record<string, unknown> = input.body): OutboundRequest {
	const { secret, door, upstreamModel, stream } = input;
	const streamOptions = body.stream_options;
	const hasUsageFlag =
		streamOptions !== null && typeof streamOptions === 'object' && (streamOptions as Record<string, unknown>).include_usage === true;
	// Chat and completions streams report usage only when asked; a Responses stream always does.
	const addUsage = stream && (door === 'chat' || door === 'completions') && !hasUsageFlag;
	let out = body;
	if (body.model !== upstreamModel || addUsage) {
		out = { ...body, model: upstreamModel };
		if (addUsage) {
			const existing = streamOptions !== null && typeof streamOptions === 'object' ? streamOptions : {};
			out.stream_options = { ...existing, include_usage: true };
		}
	}
	return { url, headers: openAIHeaders(secret, stream), body: out === input.body ? input.rawBody : JSON.stringify(out) };
}
