import type { ChatRequest } from '../../protocol/canonical';
import type { BuildRequestInput, Door, OutboundRequest } from '../types';
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
 * Chat in 'openai' mode and every embeddings call go to the OpenAI-compatible endpoints with the
 * client's body (docs/providers/workers-ai.md, "Auth and endpoints"); chat in 'native' mode is a converted canonical request
 * sent to /ai/run/{model} (docs/providers/workers-ai.md, "Request mapping").
 */
export function buildWorkersAiRequest({ channel, secret, door, body, upstreamModel, stream }: BuildRequestInput): OutboundRequest {
	const config = workersAiConfigOf(channel.config);
	const native = door === 'chat' && config.mode === 'native';
	const out = native ? nativeBody(body as ChatRequest, stream, upstreamModel) : compatBody(body, door, upstreamModel, stream);
	return {
		url: workersAiUrl(channel.baseUrl, config.accountId, door, native ? upstreamModel : undefined),
		headers: {
			'content-type': 'application/json',
			accept: stream ? 'text/event-stream' : 'application/json',
			authorization: `Bearer ${secret}`
		},
		body: JSON.stringify(out)
	};
}

/**
 * The client's body with the upstream model, usage asked for in streams, `developer` sent as
 * `system` (the compatible endpoint's models know no developer role), and text-only content
 * arrays joined into a string (only vision models take arrays). Message order and positions
 * are kept.
 */
export function compatBody(body: Record<string, unknown>, door: Door, upstreamModel: string, stream: boolean): Record<string, unknown> {
	const out: Record<string, unknown> = { ...body, model: upstreamModel };
	if (door !== 'chat') return out;
	if (Array.isArray(body.messages)) out.messages = body.messages.map(compatMessage);
	if (stream) {
		const existing = isRecord(body.stream_options) ? body.stream_options : {};
		out.stream_options = { ...existing, include_usage: true };
	}
	return out;
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
