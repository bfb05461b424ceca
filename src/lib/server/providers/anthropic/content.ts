import { parseDataUrl, type DataUrl } from '../data-url';
import { partPath, refusePart } from '../content-parts';
import { UpstreamRequestError } from '../../protocol/errors';
import { rec, str, type Json } from './guards';

/**
 * OpenAI content parts as Anthropic content blocks (data URLs: docs/protocol.md, "Conversion rules"; the block table: docs/providers/anthropic.md, "Request mapping").
 * Blocks are plain JSON objects: they go straight into the request body.
 */

export interface CacheControl {
	type: 'ephemeral';
	ttl?: string;
}

/** A part's cache_control, kept only in the shape Anthropic takes. */
export function cacheControlOf(part: Json): CacheControl | undefined {
	const cc = rec(part.cache_control);
	if (cc?.type !== 'ephemeral') return undefined;
	const ttl = str(cc.ttl);
	return ttl ? { type: 'ephemeral', ttl } : { type: 'ephemeral' };
}

function withCache(block: Json, part: Json): Json {
	const cc = cacheControlOf(part);
	return cc ? { ...block, cache_control: cc } : block;
}

/** A data URL naming no media type is text (RFC 2397's default). */
function dataOf(url: string): DataUrl | undefined {
	const parsed = parseDataUrl(url);
	return parsed && { mediaType: parsed.mediaType || 'text/plain', data: parsed.data };
}

const isHttpUrl = (url: string) => /^https?:\/\//i.test(url);

function imageBlock(url: string): Json {
	const data = dataOf(url);
	if (data) return { type: 'image', source: { type: 'base64', media_type: data.mediaType, data: data.data } };
	if (isHttpUrl(url)) return { type: 'image', source: { type: 'url', url } };
	throw new UpstreamRequestError('Images must be given as a data: URL or an http(s) URL.', 'messages');
}

/** A `file` part: PDFs as documents, plain text as a text document, images as images. */
function fileBlock(file: Json): Json {
	const fileData = str(file.file_data);
	if (!fileData) {
		throw new UpstreamRequestError('File parts need file_data for this model (uploaded file ids are not supported).', 'messages');
	}
	if (isHttpUrl(fileData)) return { type: 'document', source: { type: 'url', url: fileData } };
	const data = dataOf(fileData);
	if (!data) throw new UpstreamRequestError('file_data must be a data: URL.', 'messages');
	if (data.mediaType === 'application/pdf') {
		return { type: 'document', source: { type: 'base64', media_type: 'application/pdf', data: data.data } };
	}
	if (data.mediaType.startsWith('text/')) {
		const text = Buffer.from(data.data, 'base64').toString('utf8');
		return { type: 'document', source: { type: 'text', media_type: 'text/plain', data: text } };
	}
	if (data.mediaType.startsWith('image/')) return { type: 'image', source: { type: 'base64', media_type: data.mediaType, data: data.data } };
	throw new UpstreamRequestError(`Files of type ${data.mediaType} are not supported by this model.`, 'messages');
}

/** Anthropic refuses empty (and whitespace-only) text blocks. */
const hasText = (text: string) => text.trim() !== '';

/** Which message a content part belongs to: it decides what Anthropic can take there. */
export type ContentRole = 'user' | 'assistant' | 'system' | 'tool';

/**
 * A message's content (string or parts) as blocks, empty text dropped
 * (docs/providers/content-parts.md). User and tool content carries text, images and files;
 * assistant content carries text (a refusal part is kept as text); system content is text
 * only. Audio, and any part the role cannot carry or whose type is unknown, is refused.
 */
export function contentBlocks(content: unknown, at: number, role: ContentRole = 'user'): Json[] {
	if (typeof content === 'string') return hasText(content) ? [{ type: 'text', text: content }] : [];
	if (!Array.isArray(content)) return [];
	const media = role === 'user' || role === 'tool';
	const blocks: Json[] = [];
	content.forEach((item: unknown, j) => {
		const where = partPath(at, j);
		const part = rec(item) ?? {};
		switch (part.type) {
			case 'text': {
				const text = str(part.text) ?? '';
				if (hasText(text)) blocks.push(withCache({ type: 'text', text }, part));
				return;
			}
			case 'refusal': {
				if (role !== 'assistant') break;
				const text = str(part.refusal) ?? '';
				if (hasText(text)) blocks.push({ type: 'text', text });
				return;
			}
			case 'image_url': {
				if (!media) return refusePart(where, item, `${role} messages carry only text in Anthropic's API`);
				const ref = rec(part.image_url);
				blocks.push(withCache(imageBlock(str(ref?.url) ?? str(part.image_url) ?? ''), part));
				return;
			}
			case 'file':
				if (!media) return refusePart(where, item, `${role} messages carry only text in Anthropic's API`);
				blocks.push(withCache(fileBlock(rec(part.file) ?? {}), part));
				return;
			case 'input_audio':
				throw new UpstreamRequestError('Audio input is not supported by Anthropic models.', 'messages');
		}
		refusePart(where, item, part.type === 'refusal' ? 'refusal parts belong to assistant messages' : 'unknown content part type');
	});
	return blocks;
}

/** The text of a system/developer message, with each part's cache_control. */
export function systemParts(content: unknown, at: number): Json[] {
	return contentBlocks(content, at, 'system');
}

/** A tool message's content for tool_result.content: a string, or text/image blocks. */
export function toolResultContent(content: unknown, at: number): string | Json[] | undefined {
	if (typeof content === 'string') return hasText(content) ? content : undefined;
	const blocks = contentBlocks(content, at, 'tool');
	return blocks.length ? blocks : undefined;
}
