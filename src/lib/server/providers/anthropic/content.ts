import { parseDataUrl, type DataUrl } from '../data-url';
import { UpstreamRequestError } from '../request-error';
import { rec, str, type Json } from './guards';

/**
 * OpenAI content parts as Anthropic content blocks (PROTOCOLS.md §3 data URLs, §4.2 table).
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

/**
 * A message's content (string or parts) as blocks; empty text dropped, unknown part types
 * skipped. Audio has no Anthropic equivalent and is refused.
 */
export function contentBlocks(content: unknown, images = true): Json[] {
	if (typeof content === 'string') return hasText(content) ? [{ type: 'text', text: content }] : [];
	if (!Array.isArray(content)) return [];
	const blocks: Json[] = [];
	for (const item of content) {
		const part = rec(item);
		if (!part) continue;
		switch (part.type) {
			case 'text': {
				const text = str(part.text) ?? '';
				if (hasText(text)) blocks.push(withCache({ type: 'text', text }, part));
				break;
			}
			case 'image_url': {
				if (!images) break;
				const ref = rec(part.image_url);
				const url = str(ref?.url) ?? str(part.image_url);
				if (url) blocks.push(withCache(imageBlock(url), part));
				break;
			}
			case 'file': {
				if (!images) break;
				const file = rec(part.file);
				if (file) blocks.push(withCache(fileBlock(file), part));
				break;
			}
			case 'input_audio':
				throw new UpstreamRequestError('Audio input is not supported by Anthropic models.', 'messages');
			default:
				break; // refusal parts and unknown types carry nothing Anthropic can take
		}
	}
	return blocks;
}

/** The text of a system/developer message, with each part's cache_control. */
export function systemParts(content: unknown): Json[] {
	return contentBlocks(content, false);
}

/** A tool message's content for tool_result.content: a string, or text/image blocks. */
export function toolResultContent(content: unknown): string | Json[] | undefined {
	if (typeof content === 'string') return hasText(content) ? content : undefined;
	const blocks = contentBlocks(content);
	return blocks.length ? blocks : undefined;
}
