import postgres from 'postgres';
import { expect } from 'vitest';
import { createPool } from '../../src/lib/server/db/client';
import { SecretBox } from '../../src/lib/server/security/crypto';
import { SYSTEM } from '../../src/lib/server/services/actor';
import { createApiKey } from '../../src/lib/server/services/api-keys';
import { createChannel } from '../../src/lib/server/services/channels';
import type { ServiceContext } from '../../src/lib/server/services/context';
import { createUser } from '../../src/lib/server/services/users';
import type { ChannelCreate } from '../../src/lib/schemas/channels';
import type { ApiKeyCreate } from '../../src/lib/schemas/api-keys';
import type { PriceUpsert } from '../../src/lib/schemas/admin';
import { upsertPrice } from '../../src/lib/server/services/prices';
import { eventually } from './eventually';

/** The secret key test servers are started with, so fixtures can seal channel secrets for them. */
export const TEST_SECRET_KEY = Buffer.alloc(32, 'elygate-test-key').toString('base64');

export interface Fixtures extends ServiceContext {
	sql: postgres.Sql;
	close(): Promise<void>;
}

/** The service layer, called in-process against a test database (like an admin tool would). */
export function fixtures(databaseUrl: string): Fixtures {
	const { sql, db } = createPool(databaseUrl, { max: 3 });
	return { sql, db, secrets: new SecretBox(Buffer.from(TEST_SECRET_KEY, 'base64')), close: () => sql.end({ timeout: 5 }) };
}

let serial = 0;

/** Quota units a test user starts with unless told otherwise: USD 1,000. */
export const TEST_STARTING_QUOTA = 500_000_000;

/** A user (with a starting balance, journaled as an `initial` change) and one API key for them. */
export async function userWithKey(
	fx: Fixtures,
	opts: { group?: string; quota?: number; key?: Partial<ApiKeyCreate> } = {}
): Promise<{ userId: number; key: string; keyId: number }> {
	const user = await createUser(fx, SYSTEM, {
		username: `user${Date.now().toString(36)}${serial++}`,
		password: 'user-password-1',
		group: opts.group ?? 'default',
		quota: opts.quota ?? TEST_STARTING_QUOTA
	});
	const created = await createApiKey(fx, SYSTEM, { userId: user.id, name: 'test key', ...opts.key });
	return { userId: user.id, key: created.key, keyId: created.apiKey.id };
}

/** Prices models (ratio 1 = USD 2 per million tokens) through the service layer, which announces it. */
export async function priceModels(fx: Fixtures, models: string[], price: Omit<PriceUpsert, 'model'> = { modelRatio: 1, completionRatio: 1 }): Promise<void> {
	for (const model of models) await upsertPrice(fx, SYSTEM, { model, ...price });
}

/** An OpenAI-type channel in front of a mock upstream. */
export function openaiChannel(fx: Fixtures, baseUrl: string, overrides: Partial<ChannelCreate> = {}) {
	return createChannel(fx, SYSTEM, {
		type: 'openai',
		name: `mock ${serial++}`,
		baseUrl,
		models: ['gpt-4o-mini'],
		keys: ['sk-upstream-test-key-0001'],
		...overrides
	});
}

/** Waits until the server's snapshot knows this key (it learns through NOTIFY). */
export async function keyIsLive(serverUrl: string, key: string): Promise<void> {
	await eventually(async () => {
		const res = await fetch(`${serverUrl}/v1/models`, { headers: { authorization: `Bearer ${key}` } });
		expect(res.status).toBe(200);
	});
}

/**
 * Waits until the server refuses this key on /v1/models (which never reaches an upstream) with
 * `code`: the snapshot has learnt of a key created disabled, restricted, or changed since.
 */
export async function keyIsRefused(serverUrl: string, key: string, code: string): Promise<void> {
	await eventually(async () => {
		const res = await fetch(`${serverUrl}/v1/models`, { headers: { authorization: `Bearer ${key}` } });
		const body = (await res.json()) as { error?: { code?: string } };
		expect(body.error?.code).toBe(code);
	});
}

/** Waits until `model` is listed for `key` (a channel change reached the server). */
export async function modelIsListed(serverUrl: string, key: string, model: string, listed = true): Promise<void> {
	await eventually(async () => {
		const res = await fetch(`${serverUrl}/v1/models`, { headers: { authorization: `Bearer ${key}` } });
		const body = (await res.json()) as { data?: Array<{ id: string }> };
		expect(body.data?.some((m) => m.id === model) ?? false).toBe(listed);
	});
}

/** A 1×1 PNG, for image inputs. */
export const TINY_PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==', 'base64');
