import { settingsOf } from './anthropic/config';
import { azureConfigOf } from './azure/config';
import { azureEndpoint } from './azure/request';
import { apiVersionOf } from './azure/version';
import { deepseekRoot } from './deepseek/request';
import { apiRoot, configOf as geminiConfigOf } from './gemini/config';
import type { ChannelTarget } from './types';
import { workersAiConfigOf } from './workers-ai/config';
import { accountBase } from './workers-ai/request';

/**
 * Reading an upstream's own model list (docs/channels.md, "Fetching models"): for each channel
 * type, the GET request of one page and the parser of its answer. Pure: the caller does the
 * I/O, page after page, until a page names no next one.
 */

export interface ListRequest {
	url: string;
	headers: Record<string, string>;
}

export interface ModelPage {
	models: string[];
	/** Where the next page starts (a cursor, a token or a page number); absent on the last page. */
	next?: string;
}

export interface ModelLister {
	request(cursor: string | undefined): ListRequest;
	parse(text: string): ModelPage;
}

/** The answer is not the list the provider documents. */
export class ModelListShapeError extends Error {
	override name = 'ModelListShapeError';
}

/** The type lists no models this way (Gemini on Vertex AI, an unknown type). */
export type Unsupported = { unsupported: 'vertex' | 'type' };

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function json(text: string): unknown {
	try {
		return JSON.parse(text) as unknown;
	} catch {
		throw new ModelListShapeError('not JSON');
	}
}

function ids(items: unknown, field: string): string[] {
	if (!Array.isArray(items)) throw new ModelListShapeError(`no list of models`);
	return items.flatMap((item) => (isRecord(item) && typeof item[field] === 'string' && item[field] ? [item[field] as string] : []));
}

/**
 * OpenAI's `GET /models`: `{"object": "list", "data": [{"id": …}, …]}`, one page. Some
 * compatible hosts answer with the bare array; that is read too.
 */
export function parseOpenAIModels(text: string): ModelPage {
	const body = json(text);
	if (Array.isArray(body)) return { models: ids(body, 'id') };
	if (!isRecord(body)) throw new ModelListShapeError('not an object');
	return { models: ids(body.data, 'id') };
}

/** Anthropic's `GET /v1/models`: `{data: [{id}], has_more, last_id}`; the next page starts `after_id=last_id`. */
export function parseAnthropicModels(text: string): ModelPage {
	const body = json(text);
	if (!isRecord(body)) throw new ModelListShapeError('not an object');
	const models = ids(body.data, 'id');
	const next = body.has_more === true && typeof body.last_id === 'string' && body.last_id ? body.last_id : undefined;
	return next ? { models, next } : { models };
}

/** Generation methods the gateway can serve (chat and embeddings); a model offering none of them is left out. */
const SERVED_METHODS = new Set(['generateContent', 'streamGenerateContent', 'embedContent', 'batchEmbedContents']);

/**
 * Gemini's `models.list`: `{models: [{name: "models/…", supportedGenerationMethods}], nextPageToken}`.
 * Names lose their `models/` prefix (what clients send as the model).
 */
export function parseGeminiModels(text: string): ModelPage {
	const body = json(text);
	if (!isRecord(body)) throw new ModelListShapeError('not an object');
	// An empty page may leave `models` out altogether.
	const items = body.models ?? [];
	if (!Array.isArray(items)) throw new ModelListShapeError('no list of models');
	const models = items.flatMap((item) => {
		if (!isRecord(item) || typeof item.name !== 'string') return [];
		const methods = item.supportedGenerationMethods;
		if (Array.isArray(methods) && !methods.some((m) => typeof m === 'string' && SERVED_METHODS.has(m))) return [];
		const name = item.name.replace(/^models\//, '');
		return name ? [name] : [];
	});
	const next = typeof body.nextPageToken === 'string' && body.nextPageToken ? body.nextPageToken : undefined;
	return next ? { models, next } : { models };
}

/** Workers AI tasks the gateway serves (chat through its text generation models, and embeddings). */
const SERVED_TASKS = new Set(['text generation', 'text embeddings']);

/**
 * Cloudflare's model search (`GET /accounts/{id}/ai/models/search`), in Cloudflare's envelope:
 * `{success, result: [{name: "@cf/…", task: {name}}], result_info: {page, per_page, total_count}}`.
 * Page numbers start at 1; there is a next one while fewer than `total_count` were listed.
 */
export function parseWorkersAiModels(text: string): ModelPage {
	const body = json(text);
	if (!isRecord(body) || !Array.isArray(body.result)) throw new ModelListShapeError('no result list');
	const models = body.result.flatMap((item) => {
		if (!isRecord(item) || typeof item.name !== 'string' || !item.name) return [];
		const task = isRecord(item.task) && typeof item.task.name === 'string' ? item.task.name.toLowerCase() : undefined;
		return task === undefined || SERVED_TASKS.has(task) ? [item.name] : [];
	});
	const info = isRecord(body.result_info) ? body.result_info : {};
	const page = typeof info.page === 'number' ? info.page : 1;
	const perPage = typeof info.per_page === 'number' ? info.per_page : body.result.length;
	const total = typeof info.total_count === 'number' ? info.total_count : undefined;
	const more = total !== undefined && perPage > 0 && page * perPage < total && body.result.length > 0;
	return more ? { models, next: String(page + 1) } : { models };
}

const bearer = (secret: string) => ({ accept: 'application/json', authorization: `Bearer ${secret}` });

/** How to list a channel's models from its upstream, or why it cannot be done. */
export function modelListerFor(type: string, channel: ChannelTarget, secret: string): ModelLister | Unsupported {
	switch (type) {
		case 'openai':
			return { request: () => ({ url: `${channel.baseUrl}/models`, headers: bearer(secret) }), parse: parseOpenAIModels };
		case 'deepseek':
			return { request: () => ({ url: `${deepseekRoot(channel.baseUrl)}/models`, headers: bearer(secret) }), parse: parseOpenAIModels };
		case 'azure': {
			const config = azureConfigOf(channel.config);
			const version = apiVersionOf(config.apiVersion);
			const endpoint = azureEndpoint(channel.baseUrl);
			const url = version.v1 ? `${endpoint}/openai/v1/models` : `${endpoint}/openai/models?api-version=${encodeURIComponent(version.raw)}`;
			const headers: Record<string, string> = config.authMode === 'bearer' ? bearer(secret) : { accept: 'application/json', 'api-key': secret };
			return { request: () => ({ url, headers }), parse: parseOpenAIModels };
		}
		case 'anthropic': {
			const settings = settingsOf(channel.config);
			const headers: Record<string, string> = { accept: 'application/json', 'anthropic-version': settings.version };
			if (settings.auth === 'bearer') headers.authorization = `Bearer ${secret}`;
			else headers['x-api-key'] = secret;
			return {
				request: (after) => ({ url: `${channel.baseUrl}/models?limit=1000${after ? `&after_id=${encodeURIComponent(after)}` : ''}`, headers }),
				parse: parseAnthropicModels
			};
		}
		case 'gemini': {
			const config = geminiConfigOf(channel.config);
			if (config.vertex) return { unsupported: 'vertex' };
			const root = apiRoot(channel.baseUrl, config);
			// The key goes in a header, as for calls, so it stays out of URLs and logs.
			const headers = { accept: 'application/json', 'x-goog-api-key': secret };
			return {
				request: (token) => ({ url: `${root}/models?pageSize=1000${token ? `&pageToken=${encodeURIComponent(token)}` : ''}`, headers }),
				parse: parseGeminiModels
			};
		}
		case 'workers-ai': {
			const base = accountBase(channel.baseUrl, workersAiConfigOf(channel.config).accountId);
			return {
				request: (page) => ({ url: `${base}/models/search?per_page=100&page=${page ?? '1'}`, headers: bearer(secret) }),
				parse: parseWorkersAiModels
			};
		}
		default:
			return { unsupported: 'type' };
	}
}
