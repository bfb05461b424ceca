import { hashToken } from './tokens';

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/** "sk-" + 48 random base62 characters (~285 bits), drawn without modulo bias. */
export function generateApiKey(): string {
	let out = 'sk-';
	const buf = new Uint8Array(64);
	while (out.length < 51) {
		crypto.getRandomValues(buf);
		for (const byte of buf) {
			if (byte < 248 && out.length < 51) out += BASE62[byte % 62];
		}
	}
	return out;
}

/** Shown in lists to tell keys apart: "sk-AbC1…wxYz". */
export function apiKeyPrefix(key: string): string {
	return `${key.slice(0, 7)}…${key.slice(-4)}`;
}

export const hashApiKey = hashToken;
