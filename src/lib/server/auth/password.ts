/**
 * argon2id through Bun.password, with OWASP's minimum parameters (19 MiB, 2 passes):
 * about 30 ms per hash here, cheap enough for logins, costly for offline guessing.
 */
const ARGON2 = { algorithm: 'argon2id', memoryCost: 19456, timeCost: 2 } as const;

export function hashPassword(password: string): Promise<string> {
	return Bun.password.hash(password, ARGON2);
}

export function verifyPassword(password: string, hash: string): Promise<boolean> {
	return Bun.password.verify(password, hash).catch(() => false);
}

/**
 * A hash made by another system or with weaker settings (an account imported from New-API keeps
 * its bcrypt hash until it signs in): verified as it is, then replaced by an argon2id hash.
 */
export function needsRehash(hash: string): boolean {
	return !hash.startsWith(`$argon2id$v=19$m=${ARGON2.memoryCost},t=${ARGON2.timeCost},`);
}

let dummyHash: Promise<string> | undefined;

/** Spends the same time as a real check, so unknown usernames cannot be told apart by timing. */
export async function verifyAgainstNothing(password: string): Promise<false> {
	dummyHash ??= hashPassword('elygate-timing-equaliser');
	await verifyPassword(password, await dummyHash);
	return false;
}
