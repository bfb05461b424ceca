import { newRequestId } from '../http/request-id';
import { openAIError } from './errors';

/**
 * The /v1 entry point. Until the relay pipeline lands, no API key exists that could be
 * accepted, so every call is answered like an unknown key.
 */
export function handleRelayRequest(request: Request): Response {
	const auth = request.headers.get('authorization') ?? request.headers.get('x-api-key') ?? request.headers.get('api-key');
	const message = auth
		? 'Incorrect API key provided.'
		: "You didn't provide an API key. Send it as 'Authorization: Bearer sk-...'.";
	return openAIError(401, message, { code: 'invalid_api_key' }, { 'x-request-id': newRequestId() });
}
