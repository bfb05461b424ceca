import { isRecord } from '../../protocol/json';
import type { Door } from '../../protocol/types';
import { openAIRequest } from '../kit/openai-request';
import type { BuildRequestInput, OutboundRequest } from '../types';
import { deepseekConfigOf } from './config';

const PATHS: Partial<Record<Door, string>> = { chat: '/chat/completions', completions: '/completions' };

/**
 * The API root from the channel's base URL. DeepSeek serves the same API with and without a
 * "/v1" prefix (https://api-docs.deepseek.com/), and the gateway stores a bare host as
 * "<host>/v1", so a trailing "/v1" or "/beta" is cut and any other path (a proxy's prefix) kept.
 */
export function deepseekRoot(baseUrl: string): string {
	return baseUrl.replace(/\/+$/, '').replace(/\/(v1|beta)$/, '');
}

export function deepseekUrl(baseUrl: string, door: Door, beta: boolean): string {
	const path = PATHS[door];
	if (!path) throw new Error(`DeepSeek channels do not serve ${door}`);
	// FIM completion exists only on the beta endpoint.
	return `${deepseekRoot(baseUrl)}${beta || door === 'completions' ? '/beta' : ''}${path}`;
}

/**
 * OpenAI's request, with one DeepSeek rule: `reasoning_content` of earlier assistant turns must
 * not be sent back (the API answers 400 when an input message carries it), so it is dropped
 * from a copy; a body without it is forwarded as OpenAI's would be.
 */
export function buildDeepSeekRequest(input: BuildRequestInput): OutboundRequest {
	const { beta } = deepseekConfigOf(input.channel.config);
	const url = deepseekUrl(input.channel.baseUrl, input.door, beta);
	const messages = input.body.messages;
	if (input.door !== 'chat' || !Array.isArray(messages) || !messages.some(hasReasoning)) return openAIRequest(url, input);
	return openAIRequest(url, input, { ...input.body, messages: messages.map(withoutReasoning) });
}

function hasReasoning(message: unknown): boolean {
	return isRecord(message) && 'reasoning_content' in message;
}

function withoutReasoning(message: unknown): unknown {
	if (!isRecord(message) || !('reasoning_content' in message)) return message;
	const { reasoning_content: _dropped, ...rest } = message;
	return rest;
}
