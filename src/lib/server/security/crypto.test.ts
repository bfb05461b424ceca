import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { SecretBox, maskSecret } from './crypto';
import { loadSecretKey } from './secret-key';

describe('SecretBox', () => {
	const box = new SecretBox(randomBytes(32));

	test('round-trips, with a fresh IV every time', () => {
		const a = box.encrypt('sk-upstream-secret');
		const b = box.encrypt('sk-upstream-secret');
		expect(a).not.toBe(b);
		expect(a).not.toContain('sk-upstream-secret');
		expect(box.decrypt(a)).toBe('sk-upstream-secret');
		expect(box.decrypt(b)).toBe('sk-upstream-secret');
	});

	test('detects tampering', () => {
		const sealed = box.encrypt('secret');
		const raw = Buffer.from(sealed.slice(3), 'base64url');
		raw[14] = raw[14]! ^ 1;
		expect(() => box.decrypt('v1:' + raw.toString('base64url'))).toThrow();
	});

	test('a different key cannot open it', () => {
		const other = new SecretBox(randomBytes(32));
		expect(() => other.decrypt(box.encrypt('secret'))).toThrow();
	});

	test('refuses keys of the wrong size and unknown formats', () => {
		expect(() => new SecretBox(randomBytes(16))).toThrow(/32 bytes/);
		expect(() => box.decrypt('v9:abc')).toThrow(/format/);
	});
});

test('maskSecret shows the kind and the last four characters only', () => {
	expect(maskSecret('sk-proj-abcdefghijklmnop1234')).toBe('sk-…1234');
	expect(maskSecret('short')).toBe('…');
});

describe('loadSecretKey', () => {
	test('generates a 0600 key file once and reuses it', () => {
		const dir = mkdtempSync(join(tmpdir(), 'elygate-key-'));
		const first = loadSecretKey(undefined, dir);
		const second = loadSecretKey(undefined, dir);
		expect(first.source).toBe('file');
		expect(first.key.equals(second.key)).toBe(true);
		expect(first.key.length).toBe(32);
		expect(statSync(join(dir, 'secret.key')).mode & 0o777).toBe(0o600);
		expect(readFileSync(join(dir, 'secret.key'), 'utf8').trim()).toBe(first.key.toString('base64'));
	});

	test('the environment key wins', () => {
		const env = randomBytes(32).toString('base64');
		const loaded = loadSecretKey(env, mkdtempSync(join(tmpdir(), 'elygate-key-')));
		expect(loaded.source).toBe('env');
		expect(loaded.key.toString('base64')).toBe(env);
	});
});
