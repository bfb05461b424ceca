import type { ChatRequest, ContentPart } from '../canonical';
import type { ImageFetcher } from '../types';
import { arrayOr, isObject } from './json';

/** Remote URLs Gemini reads itself (its Files API, YouTube, Cloud Storage): left as they are. */
const GEMINI_READS = /^(gs:\/\/|https:\/\/generativelanguage\.googleapis\.com\/|https:\/\/(www\.)?(youtube\.com|youtu\.be)\/)/i;

/**
 * Gemini takes images as inline bytes (PROTOCOLS.md §3 Remote URLs): every `image_url` part
 * with an http(s) URL is replaced by a data URL from `fetchImage` (the SSRF-guarded
 * downloader). Each URL is fetched once per request. Returns a copy; the input is not touched,
 * and a request with nothing to fetch is returned as is. Fetch errors propagate.
 */
export async function prepareGeminiRequest(body: ChatRequest, fetchImage: ImageFetcher): Promise<ChatRequest> {
	const urls = new Set<string>();
	for (const message of arrayOr(body.messages)) {
		if (!isObject(message)) continue;
		for (const part of arrayOr(message.content)) {
			const url = remoteImageUrl(part);
			if (url) urls.add(url);
		}
	}
	if (urls.size === 0) return body;
	const fetched = new Map<string, string>();
	await Promise.all(
		[...urls].map(async (url) => {
			const image = await fetchImage(url);
			fetched.set(url, `data:${image.mediaType};base64,${image.base64}`);
		})
	);
	const messages = body.messages.map((message) => {
		if (!Array.isArray(message.content)) return message;
		const content = message.content.map((part): ContentPart => {
			const url = remoteImageUrl(part);
			const data = url ? fetched.get(url) : undefined;
			return data && part.type === 'image_url' ? { ...part, image_url: { ...part.image_url, url: data } } : part;
		});
		return { ...message, content };
	});
	return { ...body, messages };
}

function remoteImageUrl(part: unknown): string | undefined {
	if (!isObject(part) || part.type !== 'image_url' || !isObject(part.image_url)) return undefined;
	const url = part.image_url.url;
	return typeof url === 'string' && /^https?:\/\//i.test(url) && !GEMINI_READS.test(url) ? url : undefined;
}
