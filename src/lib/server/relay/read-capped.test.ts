import { describe, expect, test } from 'vitest';
import { readCapped, readPrefix } from './read-capped';

/** A body of `pieces` chunks of `size` bytes, counting how many were pulled. */
function body(pieces: number, size: number, headers: Record<string, string> = {}) {
	let pulled = 0;
	let cancelled = false;
	const stream = new ReadableStream<Uint8Array>({
		pull(controller) {
			if (pulled === pieces) return controller.close();
			pulled++;
			controller.enqueue(new Uint8Array(size).fill(0x61));
		},
		cancel() {
			cancelled = true;
		}
	});
	return { response: new Response(stream, { headers }), pulled: () => pulled, cancelled: () => cancelled };
}

describe('upstream bodies under a cap', () => {
	test('a body within the cap is read whole', async () => {
		const b = body(4, 1000);
		expect(await readCapped(b.response, 4000)).toBe('a'.repeat(4000));
	});

	test('past the cap the read stops and the rest is cancelled', async () => {
		const b = body(1_000_000, 1024);
		expect(await readCapped(b.response, 10 * 1024)).toBeUndefined();
		expect(b.pulled()).toBeLessThan(20);
		expect(b.cancelled()).toBe(true);
	});

	test('a declared length above the cap is refused before any byte is read', async () => {
		const b = body(10, 10, { 'content-length': '100' });
		expect(await readCapped(b.response, 50)).toBeUndefined();
		expect(b.pulled()).toBeLessThanOrEqual(1);
	});

	test('an error body is read only as far as the prefix', async () => {
		const b = body(1_000_000, 1024);
		const text = await readPrefix(b.response, 3000);
		expect(text).toBe('a'.repeat(3000));
		expect(b.pulled()).toBeLessThan(10);
		expect(b.cancelled()).toBe(true);
		expect(await readPrefix(body(2, 10).response, 3000)).toBe('a'.repeat(20));
	});
});
