import { MANAGEMENT_TOKEN_PREFIX } from '../auth/token-format';
import { hashToken } from '../auth/token-format';
import type { KeyState, Snapshot, UserState } from '../state/snapshot';
import { RelayError } from './errors';

export interface Caller {
	key: KeyState;
	user: UserState;
}

/** The group a call is routed and priced in: the key's own when it has one, else its owner's. */
export function callerGroup(caller: Caller): string {
	return caller.key.group ?? caller.user.group;
}

/** The API key from `Authorization: Bearer`, `x-api-key` (Anthropic style) or `api-key` (Azure style). */
export function presentedKey(headers: Headers): string | undefined {
	const auth = headers.get('authorization');
	if (auth) {
		const m = /^Bearer\s+(\S+)\s*$/i.exec(auth);
		return m?.[1];
	}
	return headers.get('x-api-key')?.trim() || headers.get('api-key')?.trim() || undefined;
}

/**
 * Finds the key in the snapshot by its SHA-256 and checks everything that does not depend on
 * the request body: status, expiry, owner, IP allow-list. No database query.
 */
export function authenticate(headers: Headers, snap: Snapshot, clientIp: string, now: number): Caller {
	const caller = identify(headers, snap);
	checkCaller(caller, clientIp, now);
	return caller;
}

/**
 * The key presented and its owner, found in the snapshot by the key's SHA-256; a missing or
 * unknown key is 401 (such a call is nobody's: it is only counted, never logged).
 */
export function identify(headers: Headers, snap: Snapshot): Caller {
	const presented = presentedKey(headers);
	if (!presented) {
		throw new RelayError(401, "You didn't provide an API key. Send it as 'Authorization: Bearer sk-...'.", 'invalid_api_key');
	}
	const key = snap.keysByHash.get(hashToken(presented));
	const user = key && snap.users.get(key.userId);
	if (!key || !user) {
		const message = presented.startsWith(MANAGEMENT_TOKEN_PREFIX)
			? 'Management tokens work on /api only; /v1 takes an API key (sk-...).'
			: 'Incorrect API key provided.';
		throw new RelayError(401, message, 'invalid_api_key');
	}
	return { key, user };
}

/** A known key may call now: it is active and unexpired, its owner active, the address allowed. */
export function checkCaller({ key, user }: Caller, clientIp: string, now: number): void {
	if (key.status !== 'active') throw new RelayError(403, 'This API key is disabled.', 'key_disabled');
	if (key.expiresAt !== null && key.expiresAt <= now) throw new RelayError(403, 'This API key has expired.', 'key_expired');
	if (user.status !== 'active') throw new RelayError(403, 'The account that owns this API key is disabled.', 'account_disabled');
	if (!key.ipAllowed(clientIp)) {
		throw new RelayError(403, `This API key may not be used from ${clientIp}.`, 'ip_not_allowed');
	}
}

/** The key's model allow-list, checked once the body named a model. */
export function assertModelAllowed(caller: Caller, model: string): void {
	if (caller.key.allowedModels && !caller.key.allowedModels.has(model)) {
		throw new RelayError(403, `This API key is not allowed to use the model ${model}.`, 'model_not_allowed', 'model');
	}
}
