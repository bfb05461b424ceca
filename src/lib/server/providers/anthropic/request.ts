import type { BuildRequestInput, OutboundRequest } from '../types';
import { refusesSampling, SAMPLING_PARAMS, settingsOf, type AnthropicSettings } from './config';
import { toAnthropicBody } from './convert';

/**
 * POST {baseUrl}/messages (the base URL already ends in /v1). A request from the /v1/messages
 * door is passed through (model and auth swapped, the client's anthropic-beta forwarded);
 * anything else is a canonical chat request converted to a Messages body.
 */
export function buildAnthropicRequest(input: BuildRequestInput): OutboundRequest {
	const settings = settingsOf(input.channel.config);
	const native = input.door === 'messages';
	const headers = headersFor(settings, input.secret, input.stream);
	if (native) {
		const beta = input.clientHeaders?.get('anthropic-beta');
		if (beta) headers['anthropic-beta'] = beta;
	} else if (settings.betas.length) {
		headers['anthropic-beta'] = settings.betas.join(',');
	}
	const body = native
		? passthroughBody(input, settings)
		: JSON.stringify(toAnthropicBody(input.body, input.upstreamModel, input.stream, settings.version));
	return { url: `${input.channel.baseUrl}/messages`, headers, body };
}

function headersFor(settings: AnthropicSettings, secret: string, stream: boolean): Record<string, string> {
	const headers: Record<string, string> = {
		'content-type': 'application/json',
		accept: stream ? 'text/event-stream' : 'application/json',
		'anthropic-version': settings.version
	};
	if (settings.auth === 'bearer') headers.authorization = `Bearer ${secret}`;
	else headers['x-api-key'] = secret;
	return headers;
}

/**
 * The client's own Messages body. Raw bytes go up when nothing changes; otherwise only the
 * model is swapped and, under 2026-10-21, the sampling parameters that version refuses are
 * removed. Every other field (system array, cache_control, thinking signatures, betas'
 * fields) is kept as received.
 */
function passthroughBody({ body, rawBody, upstreamModel }: BuildRequestInput, settings: AnthropicSettings): string {
	const drop = refusesSampling(settings.version) ? SAMPLING_PARAMS.filter((p) => p in body) : [];
	if (body.model === upstreamModel && drop.length === 0) return rawBody;
	const copy: Record<string, unknown> = { ...body, model: upstreamModel };
	for (const param of drop) delete copy[param];
	return JSON.stringify(copy);
}
