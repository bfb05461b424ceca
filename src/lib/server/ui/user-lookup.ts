import { m } from '../../paraglide/messages';
import type { Actor } from '../services/actor';
import type { ServiceContext } from '../services/context';
import { findUserByName, getUser, listUsers } from '../services/users';
import { ServiceError } from '../services/errors';

/** How many usernames a picker suggests (the newest accounts); any other name can still be typed. */
const SUGGESTIONS = 200;

export type UserLookup = { id: number; username: string } | { error: string } | null;

/**
 * A user a filter names: by username (any case), or by id for links made before names were
 * used. Empty text is no filter (null); an unknown name is an error to show beside the field,
 * never a filter that quietly matches everybody.
 */
export async function lookUpUser(svc: ServiceContext, actor: Actor, text: string): Promise<UserLookup> {
	const name = text.trim();
	if (!name) return null;
	const found = await findUserByName(svc, actor, name);
	if (found) return { id: found.id, username: found.username };
	if (/^[1-9]\d{0,9}$/.test(name)) {
		const byId = await getUser(svc, actor, Number(name)).catch((err: unknown) => {
			if (err instanceof ServiceError && err.code === 'not_found') return null;
			throw err;
		});
		if (byId) return { id: byId.id, username: byId.username };
	}
	return { error: m.users_picker_unknown({ name }) };
}

/** Usernames for a picker's suggestions, newest first. */
export async function userSuggestions(svc: ServiceContext, actor: Actor): Promise<string[]> {
	const page = await listUsers(svc, actor, { page: 1, perPage: SUGGESTIONS });
	return page.items.map((u) => u.username);
}
