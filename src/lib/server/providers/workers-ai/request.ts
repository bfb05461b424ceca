import type { ChatRequest } from '../../protocol/canonical';
import { openAIHeaders } from '../kit/openai-request';
import type { BuildRequestInput, ChannelTarget, Door, OutboundRequest } from '../types';
import { workersAiConfigOf } from './config';
import { nativeBody } from './native-request';
import { isRecord } from '../../protocol/json';

/**
 * Model ids go into the native path as they are (`/ai/run/@cf/meta/llama-3.1-8b-instruct`,
 * docs/providers/workers-ai.md): each segment is percent-encoded except `@`, so `/` keeps separating
 * segments, and `.` / `..` segments are encoded so they cannot climb out of /ai/run.
 */
export function modelPath(model: string): string {
	return model
		.split('/')
		.map((segment) => (segment === '.' || segment === '..' ? segment.replaceAll('.', '%2E') : encodeURIComponent(segment).replaceAll('%40', '@')))
		.join('/');
}

/** https://api.cloudflare.com/client/v4/accounts/{id}/ai — on the channel's host (a mock in tests). */
export function accountBase(baseUrl: string, accountId: string): string {
	return `${new URL(baseUrl).origin}/client/v4/accounts/${accountId}/ai`;
}

export function workersAiUrl(baseUrl: string, accountId: string, door: Door, nativeModel?: string): string {
	const base = accountBase(baseUrl, accountId);
	if (nativeModel !== undefined) return `${base}/run/${modelPath(nativeModel)}`;
	if (door === 'chat') return `${base}/v1/chat/completions`;
	if (door === 'embeddings') return `${base}/v1/embeddings`;
	throw new Error(`Workers AI channels do not serve ${door}`);
}

/**
 * Chat in 'native' mode: a converted canonical request sent to /ai/run/{model}
 * (docs/providers/workers-ai.md, "Request mapping"), with the same bearer token as the
 * compatible endpoints.
 */
export function buildNativeRequest({ channel, secret, door, body, upstreamModel, stream }: BuildRequestInput): OutboundRequest {
	const { accountId } = workersAiConfigOf(channel.config);
	return {
		url: workersAiUrl(channel.baseUrl, accountId, door, upstreamModel),
		headers: openAIHeaders(secret, stream),
		body: JSON.stringify(nativeBody(body as ChatRequest, stream, upstreamModel))
	};
}

/** The compatible endpoint for a door (docs/providers/workers-ai.md, "Auth and endpoints"). */
export function compatUrl(channel: ChannelTarget, door: Door): string {
	return workersAiUrl(channel.baseUrl, workersAiConfigOf(channel.config).accountId, door);
}

/**
 * What the compatible endpoint needs changed in a chat body: `developer` sent as `system`
 * (its models know no developer role), and text-only content arrays joined into a string (only
 * vision models take arrays). Message order and positions are kept. The same object when
 * nothing needs changing, so the client's bytes can be forwarded.
 */
export function compatBody(body: Record<string, unknown>, door: Door): Record<string, unknown> {
	const messages = body.messages;
	if (door !== 'chat' || !Array.isArray(messages)) return body;
	let copy: unknown[] | undefined;
	for (let i = 0; i < messages.length; i++) {
		const message: unknown = messages[i];
		const out = compatMessage(message);
		if (out !== message) (copy ??= messages.slice())[i] = out;
	}
	return copy ? { ...body, messages: copy } : body;
}

function compatMessage(message: unknown): unknown {
	if (!isRecord(message)) return message;
	const role = message.role === 'developer' ? 'system' : message.role;
	const content = joinedText(message.content);
	if (role === message.role && content === undefined) return message;
	return { ...message, role, ...(content !== undefined ? { content } : {}) };
}

/** The text of a content array made only of text parts, else undefined (leave it alone). */
function joinedText(content: unknown): string | undefined {
	if (!Array.isArray(content) || content.length === 0) return undefined;
	const texts: string[] = [];
	for (const part of content) {
		if (!isRecord(part) || part.type !== 'text' || typeof part.text !== 'string') return undefined;
		texts.push(part.text);
	}
	return texts.join('\n');
}
