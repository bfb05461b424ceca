import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { hashToken } from '../../src/lib/server/auth/token-format';
import { SYSTEM, type Actor } from '../../src/lib/server/services/actor';
import { createApiKey, deleteApiKey, listApiKeys, updateApiKey } from '../../src/lib/server/services/api-keys';
import { createChannel, getChannel, updateChannel } from '../../src/lib/server/services/channels';
import { ServiceError } from '../../src/lib/server/services/errors';
import { patchOptions } from '../../src/lib/server/services/options';
import { createUser, updateUser } from '../../src/lib/server/services/users';
import { freshDatabase, type TestDatabase } from '../harness/database';
import { fixtures, type Fixtures } from '../harness/fixtures';

let db: TestDatabase;
let fx: Fixtures;
const admin: Actor = { kind: 'user', id: 999_001, role: 'admin' };

beforeAll(async () => {
	db = await freshDatabase({ migrated: true });
	fx = fixtures(db.url);
});

afterAll(async () => {
	await fx?.close();
	await db?.drop();
});

/** Runs `work`, expecting a ServiceError, and checks that `table` did not change. */
async function refused(table: string, work: () => Promise<unknown>): Promise<ServiceError> {
	const before = await db.sql`select count(*)::int as n, coalesce(max(updated_at), 'epoch') as at from ${db.sql(table)}`;
	const err = await work().then(
		() => undefined,
		(e: unknown) => e
	);
	expect(err).toBeInstanceOf(ServiceError);
	expect(await db.sql`select count(*)::int as n, coalesce(max(updated_at), 'epoch') as at from ${db.sql(table)}`).toEqual(before);
	return err as ServiceError;
}

const base = { type: 'openai', name: 'primary', baseUrl: 'https://api.example.com/v1', models: ['gpt-4o'] };

describe('channels', () => {
	test('secrets are sealed at rest, masked on read, and a masked value written back keeps the stored secret', async () => {
		const created = await createChannel(fx, admin, { ...base, keys: ['sk-live-aaaaaaaaaaaaaaaa1111', 'sk-live-bbbbbbbbbbbbbbbb2222'] });
		expect(created.keys.map((k) => k.hint)).toEqual(['sk-…1111', 'sk-…2222']);
		expect(JSON.stringify(created)).not.toContain('sk-live');
		const stored = await db.sql`select id, secret_encrypted from channel_keys where channel_id = ${created.id} order by id`;
		expect(stored.every((r) => String(r.secret_encrypted).startsWith('v1:') && !String(r.secret_encrypted).includes('sk-live'))).toBe(true);

		// Send the first back masked, drop the second, add a third.
		const updated = await updateChannel(fx, admin, created.id, { keys: ['sk-…1111', 'sk-live-cccccccccccccccc3333'] });
		expect(updated.keys.map((k) => k.hint)).toEqual(['sk-…1111', 'sk-…3333']);
		const after = await db.sql`select id, secret_encrypted from channel_keys where channel_id = ${created.id} order by id`;
		expect(after[0]).toEqual(stored[0]); // untouched ciphertext: the stored secret was kept
		expect(fx.secrets.decrypt(String(after[0]!.secret_encrypted))).toBe('sk-live-aaaaaaaaaaaaaaaa1111');
		expect(fx.secrets.decrypt(String(after[1]!.secret_encrypted))).toBe('sk-live-cccccccccccccccc3333');

		const audit = await db.sql`select before, after from audit_log where target_type = 'channel' and target_id = ${String(created.id)}`;
		expect(audit.length).toBe(2);
		expect(JSON.stringify(audit)).not.toContain('sk-live');
		expect(JSON.stringify(audit)).not.toContain('sk-…');
	});

	test('bad input is refused naming the field, and nothing changes', async () => {
		expect((await refused('channels', () => createChannel(fx, admin, { ...base, keys: ['k'], type: 'carrier-pigeon' }))).field).toBe('type');
		expect((await refused('channels', () => createChannel(fx, admin, { ...base, keys: [] }))).field).toBe('keys');
		expect((await refused('channels', () => createChannel(fx, admin, { ...base, keys: ['k'], groups: ['nope'] }))).field).toBe('groups');
		expect((await refused('channels', () => createChannel(fx, admin, { ...base, keys: ['k'], baseUrl: 'ftp://x' }))).field).toBe('baseUrl');
		const metadata = await refused('channels', () => createChannel(fx, admin, { ...base, keys: ['k'], baseUrl: 'http://169.254.169.254/latest' }));
		expect(metadata.message).toMatch(/metadata/);
		const stray = await refused('channels', () => createChannel(fx, admin, { ...base, keys: ['k'], modelMapping: { 'gpt-5': 'x' } }));
		expect(stray.field).toBe('modelMapping');
		const channel = await createChannel(fx, admin, { ...base, keys: ['sk-real-key-000000000000'] });
		const masked = await refused('channel_keys', () => updateChannel(fx, admin, channel.id, { keys: ['sk-…9999'] }));
		expect(masked.field).toBe('keys');
		expect((await getChannel(fx, admin, channel.id)).keys.map((k) => k.hint)).toEqual(['sk-…0000']);
	});

	test('only administrators manage channels', async () => {
		const user: Actor = { kind: 'user', id: 5, role: 'user' };
		const reader: Actor = { kind: 'token', id: 1, scope: 'read' };
		const err = await refused('channels', () => createChannel(fx, user, { ...base, keys: ['k'] }));
		expect(err.status).toBe(403);
		expect((await refused('channels', () => createChannel(fx, reader, { ...base, keys: ['k'] }))).status).toBe(403);
	});
});

describe('API keys', () => {
	test('the full key is returned once; only its hash is stored', async () => {
		const owner = await createUser(fx, SYSTEM, { username: 'keyowner', password: 'owner-password' });
		const actor: Actor = { kind: 'user', id: owner.id, role: 'user' };
		const { key, apiKey } = await createApiKey(fx, actor, { name: 'laptop', allowedIps: ['10.1.2.3/8', '::ffff:192.0.2.1'] });
		expect(key).toMatch(/^sk-[0-9A-Za-z]{48}$/);
		expect(apiKey.prefix).toBe(`${key.slice(0, 7)}…${key.slice(-4)}`);
		expect(apiKey.allowedIps).toEqual(['10.0.0.0/8', '192.0.2.1']);
		expect(JSON.stringify(apiKey)).not.toContain(key);
		const [row] = await db.sql`select key_hash from api_keys where id = ${apiKey.id}`;
		expect(row?.key_hash).toBe(hashToken(key));
		const listed = await listApiKeys(fx, actor, owner.id, { page: 1, perPage: 10 });
		expect(JSON.stringify(listed)).not.toContain(key);
		expect(listed.items.map((k) => k.name)).toEqual(['laptop']);
	});

	test('owners manage their own keys only; bad fields are named', async () => {
		const a = await createUser(fx, SYSTEM, { username: 'alice-keys', password: 'alice-password' });
		const b = await createUser(fx, SYSTEM, { username: 'bob-keys', password: 'bob-password' });
		const asA: Actor = { kind: 'user', id: a.id, role: 'user' };
		const asB: Actor = { kind: 'user', id: b.id, role: 'user' };
		const { apiKey } = await createApiKey(fx, asA, { name: 'mine' });
		// Someone else's key is not there for a plain user.
		expect((await refused('api_keys', () => updateApiKey(fx, asB, apiKey.id, { name: 'stolen' }))).status).toBe(404);
		expect((await refused('api_keys', () => deleteApiKey(fx, asB, apiKey.id))).status).toBe(404);
		expect((await refused('api_keys', () => createApiKey(fx, asB, { name: 'x', userId: a.id }))).status).toBe(403);
		expect((await refused('api_keys', () => createApiKey(fx, asA, { name: 'x', allowedIps: ['10.0.0.0/33'] }))).field).toBe('allowedIps');
		expect((await refused('api_keys', () => createApiKey(fx, asA, { name: 'x', expiresAt: new Date(Date.now() - 1000) }))).field).toBe('expiresAt');
		expect((await refused('api_keys', () => createApiKey(fx, asA, { name: '' }))).field).toBe('name');
		expect((await updateApiKey(fx, asA, apiKey.id, { enabled: false })).status).toBe('disabled');
	});
});

describe('users and options', () => {
	test('admins cannot make admins; root can; disabling ends sessions', async () => {
		const err = await refused('users', () => createUser(fx, admin, { username: 'new-admin', password: 'admin-password', role: 'admin' }));
		expect(err.status).toBe(403);
		const made = await createUser(fx, SYSTEM, { username: 'promoted', password: 'promoted-password' });
		expect((await refused('users', () => updateUser(fx, admin, made.id, { role: 'root' }))).status).toBe(403);
		await db.sql`insert into sessions (id, user_id, expires_at) values ('s-promoted', ${made.id}, now() + interval '1 day')`;
		await updateUser(fx, admin, made.id, { enabled: false });
		expect(await db.sql`select 1 from sessions where user_id = ${made.id}`).toHaveLength(0);
		expect((await updateUser(fx, { kind: 'user', id: 1, role: 'root' }, made.id, { role: 'admin', enabled: true })).role).toBe('admin');
	});

	test('options are root-only and validated key by key', async () => {
		expect((await refused('options', () => patchOptions(fx, admin, { 'registration.enabled': false }))).status).toBe(403);
		expect((await refused('options', () => patchOptions(fx, SYSTEM, { 'no.such.option': 1 }))).field).toBe('no.such.option');
		expect((await refused('options', () => patchOptions(fx, SYSTEM, { 'registration.enabled': 'yes' }))).field).toBe('registration.enabled');
		const after = await patchOptions(fx, SYSTEM, { 'relay.cors_origins': ['https://chat.example'] });
		expect(after['relay.cors_origins']).toEqual(['https://chat.example']);
	});
});
