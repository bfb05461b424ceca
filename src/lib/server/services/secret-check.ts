import { eq } from 'drizzle-orm';
import * as z from 'zod';
import type { DbLike } from '../db';
import { options } from '../db/schema';
import type { SecretBox } from '../security/crypto';

const SECRET_CHECK = 'secrets.check';
const SECRET_CHECK_PLAINTEXT = 'elygate-secret-key-check';

/** Refuses to start with a key that cannot open the secrets already stored. */
export async function checkSecretKey(db: DbLike, secrets: SecretBox): Promise<void> {
	const [row] = await db.select({ value: options.value }).from(options).where(eq(options.key, SECRET_CHECK));
	const stored = z.string().safeParse(row?.value);
	if (!stored.success) {
		await db
			.insert(options)
			.values({ key: SECRET_CHECK, value: secrets.encrypt(SECRET_CHECK_PLAINTEXT) })
			.onConflictDoNothing();
		return;
	}
	let opened = '';
	try {
		opened = secrets.decrypt(stored.data);
	} catch {
		// falls through to the error below
	}
	if (opened !== SECRET_CHECK_PLAINTEXT) {
		throw new Error(
			'The secret key does not match the one this database was set up with, so stored channel secrets could not be read. ' +
				'Set ELYGATE_SECRET_KEY to the original key (or restore secret.key in the data directory).'
		);
	}
}
