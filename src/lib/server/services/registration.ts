import type { DbLike } from '../db';
import { rootExists } from './bootstrap';
import { getOption } from './options-store';

export type RegistrationState = 'open' | 'closed' | 'not-set-up';

/** Sign-up stays shut until root exists, so nobody can claim a name before the owner does. */
export async function registrationState(db: DbLike): Promise<RegistrationState> {
	if (!(await rootExists(db))) return 'not-set-up';
	return (await getOption(db, 'registration.enabled')) ? 'open' : 'closed';
}
