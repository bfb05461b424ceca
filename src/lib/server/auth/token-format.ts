import { createHash } from 'node:crypto';
import { encodeBase32LowerCaseNoPadding } from '@oslojs/encoding';

/** A random token with `bytes` bytes of entropy, base32 (lower case, no padding). */
export function randomToken(bytes = 20): string {
	const raw = new Uint8Array(bytes);
	crypto.getRandomValues(raw);
	return encodeBase32LowerCaseNoPadding(raw);
}

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/** `length` random base62 characters, drawn without modulo bias (bytes >= 248 are skipped). */
export function randomBase62(length: number): string {
	let out = '';
	const buf = new Uint8Array(length + 16);
	while (out.length < length) {
		crypto.getRandomValues(buf);
		for (const byte of buf) if (byte < 248 && out.length < length) out += BASE62[byte % 62];
	}
	return out;
}

/**
 * What we store instead of a bearer secret: its SHA-256, hex. Native hashing: this runs for
 * every /v1 call, where a JavaScript SHA-256 cost several times as much.
 */
export function hashToken(token: string): string {
	return createHash('sha256').update(token).digest('hex');
}

/** Management tokens look unlike API keys, so neither is ever mistaken for the other. */
export const MANAGEMENT_TOKEN_PREFIX = 'emt_';

export function generateManagementToken(): string {
	return MANAGEMENT_TOKEN_PREFIX + randomBase62(40);
}

/** Constant-time comparison of two hex digests of equal length. */
export function sameDigest(a: string, b: string): boolean {
	if (a.length !== b.length) return false;
	let diff = 0;
	for (let i = 0; i < a.length; i++) diff |= a.charCodeAt(i) ^ b.charCodeAt(i);
	return diff === 0;
}
