import { isRecord } from '../protocol/json';
/**
 * How many prompt tokens a call's reservation holds, computed without a tokenizer on the hot
 * path (docs/billing.md, "Reservations"). Everything the client sent counts by its size, at
 * one token per 3 UTF-8 bytes: text, tool schemas, `response_format`, documents, base64 and
 * all, so no part of a request can ride along for free. Only media whose token cost does not
 * follow their size are counted by what does bound it:
 *
 * - an image counts IMAGE_TOKEN_BOUND, whatever its bytes: a small file can hold a large
 *   picture, and providers scale pictures down before counting them; the bound covers the
 *   largest per-image counts OpenAI, Anthropic and Google document for current models, and
 *   open vision models' usual 16,384-token cap;
 * - audio counts by the longest it could last: at the lowest bitrate a speech codec uses
 *   (8 kbit/s) and the highest rate a chat model bills audio at (32 tokens a second), a byte
 *   of audio is at most 0.032 tokens.
 */
export const IMAGE_TOKEN_BOUND = 16_384;
const AUDIO_TOKENS_PER_BYTE = 32 / 1000;
const BYTES_PER_TOKEN = 3;

/**
 * The prompt bound for a request: `rawBody` is what the client sent (its size is the start),
 * `prompt` the same request as canonical chat (where its images and audio are found).
 */
export function promptReserveTokens(rawBody: string, prompt: unknown): number {
	let bytes = Buffer.byteLength(rawBody, 'utf8');
	let media = 0;
	for (const part of mediaParts(prompt)) {
		bytes -= part.payload.length;
		media += part.kind === 'image' ? IMAGE_TOKEN_BOUND : Math.ceil(decodedSize(part.payload) * AUDIO_TOKENS_PER_BYTE);
	}
	return Math.ceil(Math.max(0, bytes) / BYTES_PER_TOKEN) + media;
}

interface MediaPart {
	kind: 'image' | 'audio';
	/** The text that carries it in the body (a data URL or base64), counted by length. */
	payload: string;
}

function* mediaParts(prompt: unknown): Generator<MediaPart> {
	if (!isRecord(prompt) || !Array.isArray(prompt.messages)) return;
	for (const message of prompt.messages) {
		if (!isRecord(message) || !Array.isArray(message.content)) continue;
		for (const part of message.content) {
			if (!isRecord(part)) continue;
			if (part.type === 'image_url' && isRecord(part.image_url) && typeof part.image_url.url === 'string') {
				yield { kind: 'image', payload: part.image_url.url };
			} else if (part.type === 'input_audio' && isRecord(part.input_audio) && typeof part.input_audio.data === 'string') {
				yield { kind: 'audio', payload: part.input_audio.data };
			}
		}
	}
}

/** Bytes a base64 payload (or data URL) decodes to, near enough. */
function decodedSize(payload: string): number {
	const comma = payload.startsWith('data:') ? payload.indexOf(',') + 1 : 0;
	return Math.floor(((payload.length - comma) * 3) / 4);
}
