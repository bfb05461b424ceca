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
	const time = encodeTime(now);
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

/** 48 bits of milliseconds as 10 base32 characters, most significant first. */
function encodeTime(ms: number): string {
	let time = '';
	let t = Math.max(0, Math.min(MAX_TIME, Math.floor(ms)));
	for (let i = 0; i < 10; i++) {
		time = ALPHABET[t % 32] + time;
		t = Math.floor(t / 32);
	}
	return time;
}

const MAX_TIME = 2 ** 48 - 1;

/**
 * The smallest request id made in millisecond `ms`: every id of that millisecond or later is
 * >= it, every earlier one is <. So "created at or after t" is "request_id >= firstRequestIdAt(t)",
 * a range on the index instead of a scan.
 */
export function firstRequestIdAt(ms: number): string {
	return `req_${encodeTime(ms)}`;
}

/** The largest request id made in millisecond `ms`: ids of that millisecond or earlier are <= it. */
export function lastRequestIdAt(ms: number): string {
	return `req_${encodeTime(ms)}${'Z'.repeat(16)}`;
}

/** Well-formed server request ids (cursors and filters are checked against this). */
export const REQUEST_ID = /^req_[0-9A-HJKMNP-TV-Z]{26}$/;

const CLIENT_ID = /^[\w.=:-]{1,128}$/;

/** A client's own correlation id, kept only when it is short and plain. */
export function acceptClientRequestId(value: string | null): string | undefined {
	return value !== null && CLIENT_ID.test(value) ? value : undefined;
}
