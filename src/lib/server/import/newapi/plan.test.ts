import { describe, expect, test } from 'vitest';
import { hashApiKey } from '../../auth/api-key-format';
import { planChannel } from './plan-channel';
import { NO_PASSWORD, planImport, type TargetState } from './plan';
import type { NewApiData } from './read';
import { BadRowError, ImportRefusedError, type NewApiChannel, type NewApiRedemption, type NewApiToken, type NewApiUser } from './rows';

const BCRYPT = '$2a$10$RGLU6E9AtZeMF3Tfe5Gly.3QYdJjdVJEDfcw1xDX73fPRC9Ci6qy6';
const NOW = Date.UTC(2026, 11, 4);
const SECRET = 'A'.repeat(48);

const user = (over: Partial<NewApiUser> = {}): NewApiUser => ({
	id: 2, username: 'alice', password: BCRYPT, display_name: 'Alice', role: 1, status: 1, email: 'alice@example.com',
	quota: 1_000_000, used_quota: 250_000, request_count: 12, group: 'default', deleted_at: false, created_at: 1_700_000_000, ...over
});
const token = (over: Partial<NewApiToken> = {}): NewApiToken => ({
	id: 10, user_id: 2, key: SECRET, status: 1, name: 'laptop', created_time: 1_700_000_000, expired_time: -1, remain_quota: 500,
	unlimited_quota: false, model_limits_enabled: false, model_limits: '', allow_ips: '', used_quota: 100, group: '', deleted_at: false, ...over
});
const channel = (over: Partial<NewApiChannel> = {}): NewApiChannel => ({
	id: 5, type: 1, key: 'sk-up-1', status: 1, name: 'openai', weight: 0, created_time: 1_700_000_000, base_url: '', other: '',
	models: 'gpt-4o,gpt-4o-mini', group: 'default', model_mapping: '', priority: 0, other_info: '', channel_info: null,
	param_override: null, header_override: null, status_code_mapping: '', ...over
});
const code = (over: Partial<NewApiRedemption> = {}): NewApiRedemption => ({
	id: 7, user_id: 1, key: '0123456789abcdef0123456789abcdef', status: 1, name: 'promo', quota: 5_000, created_time: 1_700_000_000,
	redeemed_time: 0, used_user_id: 0, deleted_at: false, expired_time: 0, ...over
});

function data(over: Partial<NewApiData> = {}): NewApiData {
	return { users: [user()], tokens: [token()], channels: [channel()], options: new Map(), redemptions: [], topUps: [], abilities: 2, hasLogs: true, ...over };
}

function target(over: Partial<TargetState> = {}): TargetState {
	return {
		hasRoot: true, nativeUsers: 0, usernames: new Set(['root']), emails: new Set(), keyHashes: new Set(), codeHashes: new Set(), groups: new Set(['default']),
		imported: { users: new Map(), tokens: new Map(), channels: new Map(), redemptions: new Map(), prices: new Set(), groups: new Set() },
		...over
	};
}

const plan = (d: Partial<NewApiData> = {}, t: Partial<TargetState> = {}, merge = false) => planImport(data(d), target(t), { merge, now: NOW });

describe('accounts', () => {
	test('carry username, display name, e-mail, bcrypt hash, balance, usage and group', () => {
		const [u] = plan().users;
		expect(u).toEqual({
			sourceId: 2, username: 'alice', displayName: 'Alice', email: 'alice@example.com', passwordHash: BCRYPT, role: 'user', status: 'active',
			group: 'default', quota: 1_000_000, usedQuota: 250_000, requestCount: 12, createdAt: new Date(1_700_000_000_000)
		});
	});

	test('roles: admin stays admin; a second root becomes admin, and the report says so', () => {
		const p = plan({ users: [user({ id: 1, username: 'boss', role: 100 }), user({ id: 3, username: 'ops', role: 10, email: '' })] });
		expect(p.users.map((u) => [u.username, u.role])).toEqual([['boss', 'admin'], ['ops', 'admin']]);
		expect(p.notes).toContainEqual(expect.objectContaining({ table: 'users', id: 1, message: expect.stringContaining('second root') }));
		// Without a root on our side yet, New-API's root stays root.
		expect(plan({ users: [user({ id: 1, username: 'boss', role: 100 })] }, { hasRoot: false }).users[0]?.role).toBe('root');
	});

	test('an account without a bcrypt password imports unable to sign in by password, with a note', () => {
		const p = plan({ users: [user({ password: '' })] });
		expect(p.users[0]?.passwordHash).toBe(NO_PASSWORD);
		expect(p.notes[0]?.message).toMatch(/reset-password/);
	});

	test('a taken username is skipped with its keys; a taken e-mail is dropped with a note', () => {
		const p = plan({}, { usernames: new Set(['root', 'alice']), nativeUsers: 1 }, true);
		expect(p.users).toEqual([]);
		expect(p.keys).toEqual([]);
		expect(p.skipped.map((s) => [s.table, s.id])).toEqual([['users', 2], ['tokens', 10]]);
		const q = plan({}, { emails: new Set(['alice@example.com']) });
		expect(q.users[0]?.email).toBeNull();
	});

	test('an Elygate with its own accounts is refused without --merge', () => {
		expect(() => plan({}, { nativeUsers: 3 })).toThrow(ImportRefusedError);
	});

	test('a negative balance is a bad row, named', () => {
		expect(() => plan({ users: [user({ quota: -5 })] })).toThrow(new BadRowError('users', 2, 'quota is negative (-5)', 'alice'));
	});

	test('deleted accounts are skipped; earlier imports are counted, not repeated', () => {
		expect(plan({ users: [user({ deleted_at: true })] }).skipped[0]?.reason).toBe('deleted in New-API');
		const again = plan({}, { imported: { ...target().imported, users: new Map([['2', 40]]), tokens: new Map([['10', 41]]) } });
		expect([again.users.length, again.keys.length, again.already.users, again.already.apiKeys]).toEqual([0, 0, 1, 1]);
	});
});

describe('API keys', () => {
	test('store the SHA-256 of sk- plus the stored key, with the limit as remaining + used', () => {
		const [k] = plan().keys;
		expect(k).toMatchObject({ keyHash: hashApiKey(`sk-${SECRET}`), status: 'active', quotaLimit: 600, usedQuota: 100, expiresAt: null, group: null });
		expect(k?.prefix).toBe('sk-AAAA…AAAA');
	});

	test('status, expiry and quota map as New-API enforced them', () => {
		const keys = plan({
			tokens: [
				token({ id: 1, status: 2 }),
				token({ id: 2, status: 3, expired_time: 1_600_000_000 }),
				token({ id: 3, status: 4, remain_quota: 0 }),
				token({ id: 4, status: 1, unlimited_quota: true, key: 'B'.repeat(48) }),
				token({ id: 5, status: 4, remain_quota: 50, key: 'C'.repeat(48) })
			].map((t, i) => ({ ...t, key: `${String(i)}${t.key.slice(1)}` }))
		}).keys;
		expect(keys.map((k) => [k.sourceId, k.status, k.quotaLimit, k.expiresAt?.getTime() ?? null])).toEqual([
			[1, 'disabled', 600, null],
			[2, 'active', 600, 1_600_000_000_000],
			[3, 'active', 100, null],
			[4, 'active', null, null],
			[5, 'disabled', 150, null]
		]);
	});

	test('model and IP allow-lists and the key group carry over; "auto" falls back to the owner group', () => {
		const [k] = plan({ tokens: [token({ model_limits_enabled: true, model_limits: 'gpt-4o, gpt-4o-mini', allow_ips: '10.0.0.1\n192.168.0.0/24', group: 'vip' })] }).keys;
		expect(k).toMatchObject({ allowedModels: ['gpt-4o', 'gpt-4o-mini'], allowedIps: ['10.0.0.1', '192.168.0.0/24'], group: 'vip' });
		const auto = plan({ tokens: [token({ group: 'auto' })] });
		expect(auto.keys[0]?.group).toBeNull();
		expect(auto.notes[0]?.message).toMatch(/auto/);
	});

	test('model limits with no model allowed nothing: the key imports disabled', () => {
		expect(plan({ tokens: [token({ model_limits_enabled: true, model_limits: '' })] }).keys[0]?.status).toBe('disabled');
	});

	test('an IP entry that is not an address is a bad row, named', () => {
		expect(() => plan({ tokens: [token({ allow_ips: 'not-an-ip' })] })).toThrow(/tokens row #10 \("laptop"\): allow_ips/);
	});

	test("a key whose owner is not imported is skipped with the reason", () => {
		expect(plan({ tokens: [token({ user_id: 99 })] }).skipped[0]?.reason).toMatch(/owner \(New-API user #99\)/);
	});
});

describe('channels', () => {
	test('OpenAI-compatible vendor types get their API path; multi-key channels become several keys', () => {
		const out = planChannel(channel({ type: 26, key: 'k1\nk2\n', base_url: null }));
		expect(out.kind === 'import' && [out.channel.type, out.channel.baseUrl, out.channel.keys.map((k) => k.secret)]).toEqual([
			'openai', 'https://open.bigmodel.cn/api/paas/v4', ['k1', 'k2']
		]);
		const router = planChannel(channel({ type: 20, base_url: 'https://openrouter.ai/api/' }));
		expect(router.kind === 'import' && router.channel.baseUrl).toBe('https://openrouter.ai/api/v1');
	});

	test('Azure takes its api-version and Cloudflare its account id from `other`', () => {
		const azure = planChannel(channel({ type: 3, base_url: 'https://x.openai.azure.com', other: '2025-04-01-preview' }));
		expect(azure.kind === 'import' && azure.channel.config).toMatchObject({ apiVersion: '2025-04-01-preview' });
		const cf = planChannel(channel({ type: 39, other: '0123456789abcdef0123456789abcdef' }));
		expect(cf.kind === 'import' && [cf.channel.type, cf.channel.config.accountId]).toEqual(['workers-ai', '0123456789abcdef0123456789abcdef']);
		expect(planChannel(channel({ type: 39, other: '' })).kind).toBe('skip');
	});

	test('auto-disabled channels and keys stay disabled with their reasons', () => {
		const out = planChannel(
			channel({
				status: 3, key: 'a\nb', other_info: JSON.stringify({ status_reason: 'quota exceeded' }),
				channel_info: JSON.stringify({ is_multi_key: true, multi_key_status_list: { '1': 3 }, multi_key_disabled_reason: { '1': '401' } })
			})
		);
		expect(out.kind === 'import' && [out.channel.status, out.channel.disableKind, out.channel.disableReason]).toEqual(['disabled', 'automatic', 'quota exceeded']);
		expect(out.kind === 'import' && out.channel.keys.map((k) => [k.status, k.disableKind, k.disableReason])).toEqual([
			['enabled', null, null],
			['disabled', 'automatic', '401']
		]);
	});

	test('unsupported types are skipped and named; bad model_mapping JSON is a bad row', () => {
		expect(planChannel(channel({ type: 33 }))).toEqual({ kind: 'skip', reason: 'New-API channel type 33 (AWS) is not one Elygate serves' });
		expect(() => planChannel(channel({ model_mapping: '{not json' }))).toThrow(/channels row #5 \("openai"\): model_mapping/);
	});

	test('weights start at 1 and priorities are kept within ±1000', () => {
		const out = planChannel(channel({ weight: 0, priority: 5000 }));
		expect(out.kind === 'import' && [out.channel.weight, out.channel.priority]).toEqual([1, 1000]);
	});
});

describe('prices, groups and codes', () => {
	test('ratios come through the price import; orphan completion ratios are left out with a note', () => {
		const p = plan({
			options: new Map([
				['ModelRatio', JSON.stringify({ 'gpt-4o': 1.25 })],
				['CompletionRatio', JSON.stringify({ 'gpt-4o': 4, 'never-priced': 2 })],
				['GroupRatio', JSON.stringify({ default: 1, vip: 0.8 })]
			])
		});
		expect(p.prices).toEqual([expect.objectContaining({ model: 'gpt-4o', modelRatio: 1.25, completionRatio: 4 })]);
		expect(p.groups).toEqual([{ name: 'default', ratio: 1 }, { name: 'vip', ratio: 0.8 }]);
		expect(p.notes).toContainEqual(expect.objectContaining({ table: 'options', id: 'CompletionRatio' }));
	});

	test('a group no ratio names is created with ratio 1', () => {
		const p = plan({ users: [user({ group: 'svip' })] });
		expect(p.groups).toEqual([{ name: 'svip', ratio: 1 }]);
	});

	test('codes: unused stay redeemable with expiry, used are kept as used by their redeemer', () => {
		const p = plan({ redemptions: [code({ expired_time: 1_900_000_000 }), code({ id: 8, key: 'f'.repeat(32), status: 3, used_user_id: 2, redeemed_time: 1_750_000_000 })] });
		expect(p.codes.map((c) => [c.status, c.expiresAt?.getTime() ?? null, c.redeemedBySourceId])).toEqual([
			['unused', 1_900_000_000_000, null],
			['used', null, 2]
		]);
		expect(() => plan({ redemptions: [code({ quota: -1 })] })).toThrow(/negative/);
	});
});
