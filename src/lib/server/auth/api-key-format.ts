import { hashToken, randomBase62 } from './token-format';

/** "sk-" + 48 random base62 characters (~285 bits). */
export function generateApiKey(): string {
	return `sk-${randomBase62(48)}`;
}

/** Shown in lists to tell keys apart: "sk-AbC1…wxYz". */
export function apiKeyPrefix(key: string): string {
	return `${key.slice(0, 7)}…${key.slice(-4)}`;
}

export const hashApiKey = hashToken;
