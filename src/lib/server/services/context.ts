import type { Db } from '../db';
import type { SecretBox } from '../security/crypto';

/** What services need from the running app; tests and the CLI build their own. */
export interface ServiceContext {
	db: Db;
	secrets: SecretBox;
}
