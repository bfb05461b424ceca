import { createHash } from 'node:crypto';
import * as z from 'zod';
import type { Db } from '../db';
import type { SecretBox } from '../security/crypto';
import { claimIdempotencyKey, findIdempotencyRecord, recordIdempotentAnswer, releaseIdempotencyKey } from '../services/idempotency';
import { ApiError } from './errors';

const KEY = /^[\x21-\x7e]{1,255}$/;

export interface StoredResponse {
	status: number;
	body: unknown;
}

const stored = z.object({ sealed: z.string() });

/**
 * Runs a create at most once per (caller, route, Idempotency-Key): a replay gets the first
 * answer back, the same key with a different body is refused, and a replay while the first
 * is still running is told to wait. Answers are sealed at rest: a created API key's full
 * secret is part of one.
 */
export async function withIdempotency(
	db: Db,
	secrets: SecretBox,
	scope: string,
	key: string,
	body: unknown,
	run: () => Promise<StoredResponse>
): Promise<StoredResponse> {
	if (!KEY.test(key)) throw new ApiError(400, 'invalid_request', 'Idempotency-Key must be 1-255 visible ASCII characters.', 'Idempotency-Key');
	const requestHash = createHash('sha256').update(JSON.stringify(body ?? null)).digest('hex');
	const claim = { scope, key };
	if (!(await claimIdempotencyKey(db, claim, requestHash))) {
		const row = await findIdempotencyRecord(db, claim);
		if (!row) throw new ApiError(409, 'idempotency_conflict', 'Retry this request.');
		if (row.requestHash !== requestHash) {
			throw new ApiError(422, 'idempotency_mismatch', 'This Idempotency-Key was already used with a different request body.', 'Idempotency-Key');
		}
		const sealed = stored.safeParse(row.responseBody);
		if (row.responseStatus === null || !sealed.success) {
			throw new ApiError(409, 'idempotency_in_progress', 'A request with this Idempotency-Key is still being processed.');
		}
		return { status: row.responseStatus, body: JSON.parse(secrets.decrypt(sealed.data.sealed)) };
	}
	let response: StoredResponse;
	try {
		response = await run();
	} catch (err) {
		// Nothing was created: let a retry with the same key run again.
		await releaseIdempotencyKey(db, claim);
		throw err;
	}
	await recordIdempotentAnswer(db, claim, response.status, { sealed: secrets.encrypt(JSON.stringify(response.body)) });
	return response;
}
