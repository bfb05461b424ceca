import type { ChatRequest } from '../../protocol/canonical';
import type { DoorCodec } from '../../protocol/door';
import { anthropicErrorBody } from './errors';
import { messagesToCanonical } from './request';
import { renderMessage } from './response';
import { createMessagesStreamRenderer } from './stream';

/** The Anthropic Messages door (`POST /v1/messages`, docs/doors/messages.md) for converted routes. */
export const messagesDoor: DoorCodec = {
	door: 'messages',
	toCanonical: (body) => messagesToCanonical(body),
	renderCompletion: renderMessage,
	createStreamRenderer: createMessagesStreamRenderer,
	errorBody: anthropicErrorBody,
	countTokens: (body, count) => countTokens(body, count)
};

/**
 * `POST /v1/messages/count_tokens` on a converted route: the body is checked like the door
 * checks it (max_tokens is not required there), converted, and counted by the caller's counter.
 * Rejects with DoorInputError for a body Anthropic would refuse.
 */
export async function countTokens(body: Record<string, unknown>, count: (canonical: ChatRequest) => Promise<number>): Promise<{ input_tokens: number }> {
	return { input_tokens: await count(messagesToCanonical(body, true)) };
}

export { anthropicErrorType } from './errors';
