import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { hashToken } from '../../src/lib/server/auth/token-format';
import { SecretBox } from '../../src/lib/server/security/crypto';
import { createAccount } from '../../src/lib/server/services/accounts';
import {
	claimIdempotencyKey,
	findIdempotencyRecord,
	recordIdempotentAnswer,
	releaseIdempotencyKey
} from '../../src/lib/server/services/idempotency';
import { checkManagementToken } from '../../src/lib/server/services/management-tokens';
import { getOption, loadOptions, setOption } from '../../src/lib/server/services/options-store';
import { checkSecretKey } from '../../src/lib/server/services/secret-check';
import { createSession, invalidateSession, invalidateUserSessions, validateSessionToken } from '../../src/lib/server/services/sessions';
import { freshDatabase, type TestDatabase } from '../harness/database';
import { fixtures, type Fixtures } from '../harness/fixtures';

let db: TestDatabase;
let fx: Fixtures;

beforeAll(async () => {
	db = await freshDatabase({ migrated: true });
	fx = fixtures(db.url);
});

afterAll(async () => {
	await fx?.close();
	await db?.drop();
});

async function newUser(username: string): Promise<number> {
	const created = await createAccount(fx.db, { username, password: 'a-long-password-1' });
	if (!created.ok) throw new Error(created.message);
	return created.userId;
}

describe('sessions', () => {
	test('a created session validates to its user; ending it, or all of the user, signs out', async () => {
		const userId = await newUser('session-user');
		const session = await createSession(fx.db, 'token-one', userId, { ip: '203.0.113.9', userAgent: 'x'.repeat(500) });
		expect(session.id).toBe(hashToken('token-one'));
		const [row] = await db.sql`select ip, length(user_agent)::int as ua from sessions where id = ${session.id}`;
		expect(row).toEqual({ ip: '203.0.113.9', ua: 400 });

		const valid = await validateSessionToken(fx.db, 'token-one');
		expect(valid.user?.id).toBe(userId);
		expect(valid.session?.expiresAt.getTime()).toBe(session.expiresAt.getTime());

		await invalidateSession(fx.db, session.id);
		expect((await validateSessionToken(fx.db, 'token-one')).session).toBeNull();

		await createSession(fx.db, 'token-two', userId);
		await createSession(fx.db, 'token-three', userId);
		await invalidateUserSessions(fx.db, userId, hashToken('token-three'));
		expect((await validateSessionToken(fx.db, 'token-two')).session).toBeNull();
		expect((await validateSessionToken(fx.db, 'token-three')).session).not.toBeNull();
	});

	test('a session near its end is renewed; an expired one is deleted', async () => {
		const userId = await newUser('renewed-user');
		const near = await createSession(fx.db, 'near-end', userId);
		await db.sql`update sessions set expires_at = now() + interval '1 day' where id = ${near.id}`;
		const renewed = await validateSessionToken(fx.db, 'near-end');
		expect(renewed.session?.expiresAt.getTime()).toBeGreaterThan(Date.now() + 29 * 86_400_000);

		const old = await createSession(fx.db, 'expired', userId);
		await db.sql`update sessions set expires_at = now() - interval '1 second' where id = ${old.id}`;
		expect((await validateSessionToken(fx.db, 'expired')).session).toBeNull();
		expect(await db.sql`select id from sessions where id = ${old.id}`).toHaveLength(0);
	});
});

describe('idempotency claims', () => {
	const claim = { scope: 'user:1 POST /api/keys', key: 'k-1' };

	test('the first claim wins, its answer is recorded, and a released key can be claimed again', async () => {
		expect(await claimIdempotencyKey(fx.db, claim, 'hash-a')).toBe(true);
		expect(await claimIdempotencyKey(fx.db, claim, 'hash-a')).toBe(false);
		expect(await findIdempotencyRecord(fx.db, claim)).toEqual({ requestHash: 'hash-a', responseStatus: null, responseBody: null });

		await recordIdempotentAnswer(fx.db, claim, 201, { sealed: 'x' });
		expect(await findIdempotencyRecord(fx.db, claim)).toEqual({ requestHash: 'hash-a', responseStatus: 201, responseBody: { sealed: 'x' } });

		await releaseIdempotencyKey(fx.db, claim);
		expect(await findIdempotencyRecord(fx.db, claim)).toBeUndefined();
		expect(await claimIdempotencyKey(fx.db, claim, 'hash-b')).toBe(true);
	});

	test('an expired claim is dropped by the next claim', async () => {
		const stale = { scope: 'user:2 POST /api/keys', key: 'k-stale' };
		expect(await claimIdempotencyKey(fx.db, stale, 'hash-a')).toBe(true);
		await db.sql`update idempotency_keys set expires_at = now() - interval '1 second' where key = 'k-stale'`;
		expect(await claimIdempotencyKey(fx.db, stale, 'hash-b')).toBe(true);
		expect((await findIdempotencyRecord(fx.db, stale))?.requestHash).toBe('hash-b');
	});
});

describe('options store', () => {
	test('unset and no-longer-valid values read as the default; writes are validated', async () => {
		expect(await getOption(fx.db, 'relay.retry_count')).toBe(3);
		await setOption(fx.db, 'relay.retry_count', 5);
		expect(await getOption(fx.db, 'relay.retry_count')).toBe(5);
		expect((await loadOptions(fx.db))['relay.retry_count']).toBe(5);

		await db.sql`insert into options (key, value) values ('site.name', ${db.sql.json(42)})`;
		expect(await getOption(fx.db, 'site.name')).toBe('Elygate');
		await expect(setOption(fx.db, 'relay.retry_count', 99)).rejects.toThrow();
		expect(await getOption(fx.db, 'relay.retry_count')).toBe(5);
	});
});

describe('secret key check', () => {
	test('the first start stores the check; the same key passes, another is refused', async () => {
		const other = new SecretBox(Buffer.alloc(32, 'another-key'));
		await checkSecretKey(fx.db, fx.secrets);
		expect(await db.sql`select key from options where key = 'secrets.check'`).toHaveLength(1);
		await expect(checkSecretKey(fx.db, fx.secrets)).resolves.toBeUndefined();
		await expect(checkSecretKey(fx.db, other)).rejects.toThrow(/secret key does not match/);
	});
});

describe('management token check', () => {
	test('the environment token is root; API keys and unknown tokens are refused with a reason', async () => {
		expect(await checkManagementToken(fx.db, 'env-secret', 'env-secret')).toEqual({ ok: true, id: null, scope: 'root' });
		expect(await checkManagementToken(fx.db, 'sk-abc', undefined)).toEqual({ ok: false, reason: 'API keys work on /v1 only; the management API takes a management token.' });
		expect(await checkManagementToken(fx.db, 'emt_unknown', undefined)).toEqual({ ok: false, reason: 'Unknown or revoked management token.' });
	});
});
