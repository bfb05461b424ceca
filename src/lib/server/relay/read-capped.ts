/**
 * Upstream bodies are read under a cap: an upstream (or something posing as one) must not be
 * able to make the gateway hold a gigabyte. These return undefined when the body is larger
 * than allowed, having cancelled the rest of it.
 */

/** The whole body as text, or undefined when it is larger than `limit` bytes. */
export async function readCapped(response: Response, limit: number): Promise<string | undefined> {
	const declared = Number(response.headers.get('content-length') ?? NaN);
	if (declared > limit) {
		response.body?.cancel().catch(() => {});
		return undefined;
	}
	// A declared length bounds what the connection delivers: the native reader is fastest.
	if (Number.isFinite(declared)) return response.text();
	if (!response.body) return '';
	const chunks: Uint8Array[] = [];
	let size = 0;
	const reader = response.body.getReader();
	for (;;) {
		const { done, value } = await reader.read();
		if (done) break;
		size += value.byteLength;
		if (size > limit) {
			reader.cancel().catch(() => {});
			return undefined;
		}
		chunks.push(value);
	}
	return Buffer.concat(chunks, size).toString('utf8');
}

/** At most the first `limit` bytes of a body as text (an error's message is in its first bytes). */
export async function readPrefix(response: Response, limit: number): Promise<string> {
	if (!response.body) return '';
	const chunks: Uint8Array[] = [];
	let size = 0;
	const reader = response.body.getReader();
	try {
		while (size < limit) {
			const { done, value } = await reader.read();
			if (done) break;
			chunks.push(value);
			size += value.byteLength;
		}
	} finally {
		if (size >= limit) reader.cancel().catch(() => {});
		else reader.releaseLock();
	}
	return Buffer.concat(chunks, size).subarray(0, limit).toString('utf8');
}
