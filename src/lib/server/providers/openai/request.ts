import type { BuildRequestInput, Door, OutboundRequest } from '../types';

const PATHS: Record<Door, string> = {
	chat: '/chat/completions',
	completions: '/completions',
	embeddings: '/embeddings',
	messages: '/messages',
	responses: '/responses'
};

/**
 * The client's body goes upstream as sent, except the model name (when the channel maps it)
 * and, for streams, `stream_options.include_usage` (we always need the usage chunk). When
 * neither applies the raw bytes are forwarded without re-serialising.
 */
export function buildOpenAIRequest(input: BuildRequestInput): OutboundRequest {
	return openAIRequest(input.channel.baseUrl + PATHS[input.door], input);
}

/** `buildOpenAIRequest` to a URL of the vendor's choosing (the kit's vendors that lay out their paths otherwise). */
export function openAIRequest(url: string, { secret, door, body, rawBody, upstreamModel, stream }: BuildRequestInput): OutboundRequest {
	const streamOptions = body.stream_options;
	const hasUsageFlag =
		streamOptions !== null && typeof streamOptions === 'object' && (streamOptions as Record<string, unknown>).include_usage === true;
	const rename = body.model !== upstreamModel;
	// Chat and completions streams report usage only when asked; a Responses stream always does.
	const addUsage = stream && (door === 'chat' || door === 'completions') && !hasUsageFlag;
	let outBody = rawBody;
	if (rename || addUsage) {
		const copy: Record<string, unknown> = { ...body, model: upstreamModel };
		if (addUsage) {
			const existing = streamOptions !== null && typeof streamOptions === 'object' ? streamOptions : {};
			copy.stream_options = { ...existing, include_usage: true };
		}
		outBody = JSON.stringify(copy);
	}
	return {
		url,
		headers: {
			'content-type': 'application/json',
			accept: stream ? 'text/event-stream' : 'application/json',
			authorization: `Bearer ${secret}`
		},
		body: outBody
	};
}
