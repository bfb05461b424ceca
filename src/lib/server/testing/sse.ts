import type { StreamTranslator } from '../providers/types';

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/**
 * Test helper: feeds `text` to a translator in pieces of `size` bytes (0 = all at once), as
 * the network might cut it, and returns everything it produced.
 */
export function feedTranslator(t: StreamTranslator, text: string, size = 0): string {
	const all = encoder.encode(text);
	const step = size || all.length;
	let out = '';
	const take = (piece: Uint8Array | string) => (out += typeof piece === 'string' ? piece : decoder.decode(piece));
	for (let i = 0; i < all.length; i += step) take(t.push(all.subarray(i, i + step)));
	take(t.end());
	return out;
}

/** The JSON payloads of `data:` events, `[DONE]` as the string. */
export function sseDataOf(text: string): unknown[] {
	return text
		.split('\n\n')
		.filter((block) => block.startsWith('data: '))
		.map((block) => block.slice(6))
		.map((data) => (data === '[DONE]' ? data : (JSON.parse(data) as unknown)));
}
