import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';

export const SECRET_KEY_FILE = 'secret.key';

/**
 * The key that seals secrets at rest: ELYGATE_SECRET_KEY when given (required when several
 * instances share a database), else a key generated once into the data dir (mode 0600).
 */
export function loadSecretKey(envKey: string | undefined, dataDir: string): { key: Buffer; source: 'env' | 'file' } {
	if (envKey) return { key: Buffer.from(envKey, 'base64'), source: 'env' };
	const path = join(dataDir, SECRET_KEY_FILE);
	if (existsSync(path)) {
		const key = Buffer.from(readFileSync(path, 'utf8').trim(), 'base64');
		if (key.length !== 32) throw new Error(`${path} does not hold a 32-byte base64 key`);
		return { key, source: 'file' };
	}
	mkdirSync(dataDir, { recursive: true, mode: 0o700 });
	const key = randomBytes(32);
	// 'wx': if another process created it a moment ago, use theirs instead of overwriting.
	try {
		writeFileSync(path, key.toString('base64') + '\n', { mode: 0o600, flag: 'wx' });
	} catch (err) {
		if ((err as NodeJS.ErrnoException).code === 'EEXIST') return loadSecretKey(undefined, dataDir);
		throw err;
	}
	chmodSync(path, 0o600);
	return { key, source: 'file' };
}
