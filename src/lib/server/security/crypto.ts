import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

/**
 * AES-256-GCM for secrets at rest (upstream API keys, payment secrets).
 * Format: "v1:" + base64url(iv[12] | ciphertext | tag[16]). The version prefix lets a
 * later key rotation tell old ciphertexts from new ones.
 */
const VERSION = 'v1:';
const IV_BYTES = 12;
const TAG_BYTES = 16;

export class SecretBox {
	readonly #key: Buffer;

	constructor(key: Uint8Array) {
		if (key.length !== 32) throw new Error('The secret key must be 32 bytes');
		this.#key = Buffer.from(key);
	}

	encrypt(plaintext: string): string {
		const iv = randomBytes(IV_BYTES);
		const cipher = createCipheriv('aes-256-gcm', this.#key, iv);
		const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
		return VERSION + Buffer.concat([iv, body, cipher.getAuthTag()]).toString('base64url');
	}

	/** Throws when the ciphertext was tampered with or sealed under another key. */
	decrypt(sealed: string): string {
		if (!sealed.startsWith(VERSION)) throw new Error('Unknown secret format');
		const raw = Buffer.from(sealed.slice(VERSION.length), 'base64url');
		if (raw.length < IV_BYTES + TAG_BYTES) throw new Error('Secret is truncated');
		const iv = raw.subarray(0, IV_BYTES);
		const tag = raw.subarray(raw.length - TAG_BYTES);
		const decipher = createDecipheriv('aes-256-gcm', this.#key, iv);
		decipher.setAuthTag(tag);
		return Buffer.concat([decipher.update(raw.subarray(IV_BYTES, raw.length - TAG_BYTES)), decipher.final()]).toString(
			'utf8'
		);
	}
}

/** "sk-…9f2c": enough to tell secrets apart, never enough to use one. */
export function maskSecret(secret: string): string {
	const tail = secret.length >= 12 ? secret.slice(-4) : '';
	const head = /^[a-z]{2,4}-/i.exec(secret)?.[0] ?? '';
	return `${head}…${tail}`;
}
