/** Crockford's base32: ASCII-ordered, so ids sort by time as plain strings. */
const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
const random = new Uint8Array(10);

/**
 * Server-side request ids, ULID-style: "req_" + 48 bits of milliseconds and 80 random bits,
 * 26 base32 characters. They are the ledger's idempotency key and the log table's primary
 * key; being time-ordered, each insert lands at the end of the index instead of a random page.
 * Made for every /v1 call, hence the hand-rolled encoding into reused buffers.
 */
export function newRequestId(now = Date.now()): string {
	let time = '';
	let t = now;
	for (let i = 0; i < 10; i++) {
		time = ALPHABET[t % 32] + time;
		t = Math.floor(t / 32);
	}
	crypto.getRandomValues(random);
	let rest = '';
	// 10 bytes = 80 bits = 16 groups of 5 bits, taken 5 bytes (40 bits) at a time.
	for (let b = 0; b < 10; b += 5) {
		const hi = (random[b]! << 12) | (random[b + 1]! << 4) | (random[b + 2]! >> 4);
		const lo = ((random[b + 2]! & 15) << 16) | (random[b + 3]! << 8) | random[b + 4]!;
		for (const v of [hi, lo]) rest += ALPHABET[(v >> 15) & 31]! + ALPHABET[(v >> 10) & 31] + ALPHABET[(v >> 5) & 31] + ALPHABET[v & 31];
	}
	return `req_${time}${rest}`;
}

const CLIENT_ID = /^[\w.=:-]{1,128}$/;

/** A client's own correlation id, kept only when it is short and plain. */
export function acceptClientRequestId(value: string | null): string | undefined {
	return value !== null && CLIENT_ID.test(value) ? value : undefined;
}
