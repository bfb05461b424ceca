import type { ChatRequest, ContentPart } from '../protocol/canonical';
import type { ImageFetcher } from './types';
import { isRecord } from '../protocol/json';

/**
 * For upstreams that take images only as bytes (Gemini, Workers AI's native models): every
 * `image_url` part with an http(s) URL is replaced by a data URL from `fetchImage` (the
 * SSRF-guarded downloader), except URLs `upstreamReads` says the upstream fetches itself. Each
 * URL is fetched once per request. Returns a copy; the input is not touched, and a request
 * with nothing to fetch is returned as is. Fetch errors propagate (they are the client's 400).
 */
export async function inlineRemoteImages(body: ChatRequest, fetchImage: ImageFetcher, upstreamReads: (url: string) => boolean = () => false): Promise<ChatRequest> {
	const remote = (part: unknown): string | undefined => {
		const url = imageUrlOf(part);
		return url !== undefined && /^https?:\/\//i.test(url) && !upstreamReads(url) ? url : undefined;
	};
	const urls = new Set<string>();
	for (const message of Array.isArray(body.messages) ? body.messages : []) {
		if (!isRecord(message) || !Array.isArray(message.content)) continue;
		for (const part of message.content) {
			const url = remote(part);
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
			const url = remote(part);
			const data = url ? fetched.get(url) : undefined;
			return data && part.type === 'image_url' ? { ...part, image_url: { ...part.image_url, url: data } } : part;
		});
		return { ...message, content };
	});
	return { ...body, messages };
}

function imageUrlOf(part: unknown): string | undefined {
	if (!isRecord(part) || part.type !== 'image_url' || !isRecord(part.image_url)) return undefined;
	const url = part.image_url.url;
	return typeof url === 'string' ? url : undefined;
}
