import type { ChatRequest } from '../../protocol/canonical';
import { inlineRemoteImages } from '../inline-images';
import type { ImageFetcher } from '../types';

/** Remote URLs Gemini reads itself (its Files API, YouTube, Cloud Storage): left as they are. */
const GEMINI_READS = /^(gs:\/\/|https:\/\/generativelanguage\.googleapis\.com\/|https:\/\/(www\.)?(youtube\.com|youtu\.be)\/)/i;

/**
 * Gemini takes images as inline bytes (docs/protocol.md, "Conversion rules": remote URLs): http(s) image URLs are
 * downloaded and inlined, except those Gemini reads itself.
 */
export function prepareGeminiRequest(body: ChatRequest, fetchImage: ImageFetcher): Promise<ChatRequest> {
	return inlineRemoteImages(body, fetchImage, (url) => GEMINI_READS.test(url));
}
