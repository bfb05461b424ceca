import { parseJson, rec, type Json } from './guards';

/** An Anthropic event's JSON payload and its type (the data's `type`, else the event name). */
export function anthropicEvent(data: string, name: string | undefined): { type: string; data: Json } | undefined {
	const payload = rec(parseJson(data));
	if (!payload) return undefined;
	const type = typeof payload.type === 'string' ? payload.type : (name ?? '');
	return { type, data: payload };
}

/** The message of an `error` event: `{"type":"error","error":{"type","message"}}`. */
export function streamErrorMessage(data: Json): string {
	const error = rec(data.error);
	const message = typeof error?.message === 'string' && error.message ? error.message : undefined;
	const type = typeof error?.type === 'string' ? error.type : undefined;
	return message ?? (type ? `The upstream reported ${type}` : 'The upstream reported an error in the stream');
}
