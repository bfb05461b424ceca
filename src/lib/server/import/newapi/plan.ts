import { groupName, modelName } from '../../../schemas/common';
import { apiKeyPrefix, hashApiKey } from '../../auth/api-key-format';
import { NEWAPI_REDEMPTION_CODE, hashRedemptionCode, redemptionCodePrefix } from '../../auth/redemption-code-format';
import { NEWAPI_OPTION_KEYS, NewApiImportError, parseNewApiOptions, type ImportedGroup, type ImportedPrice } from '../../billing/newapi-import';
import type { UserRole } from '../../db/schema';
import { parseAllowListEntry } from '../../security/ip-allowlist';
import { planChannel, type PlannedChannel } from './plan-channel';
import type { NewApiData } from './read';
import { emptyCounts, type ImportCounts, type ImportNote, type SkippedRow } from './report';
import { BadRowError, ImportRefusedError, type NewApiRedemption, type NewApiToken, type NewApiUser } from './rows';
// What the report says is read by people in the console's language (English for the command).
import { m as msg } from '../../../paraglide/messages';

/** What the import needs to know of Elygate's side, read in the transaction that writes. */
export interface TargetState {
	hasRoot: boolean;
	/** Live accounts besides root that no import brought. */
	nativeUsers: number;
	/** Lower-case usernames and e-mail addresses of live accounts. */
	usernames: ReadonlySet<string>;
	emails: ReadonlySet<string>;
	keyHashes: ReadonlySet<string>;
	codeHashes: ReadonlySet<string>;
	groups: ReadonlySet<string>;
	/** What earlier imports brought, by New-API id (prices and groups by name) -> our id. */
	imported: Readonly<Record<'users' | 'tokens' | 'channels' | 'redemptions', ReadonlyMap<string, number>>> & {
		prices: ReadonlySet<string>;
		groups: ReadonlySet<string>;
	};
}

export interface PlannedUser {
	sourceId: number;
	username: string;
	displayName: string | null;
	email: string | null;
	passwordHash: string;
	role: UserRole;
	status: 'active' | 'disabled';
	group: string;
	quota: number;
	usedQuota: number;
	requestCount: number;
	createdAt?: Date;
}

export interface PlannedKey {
	sourceId: number;
	ownerSourceId: number;
	name: string;
	keyHash: string;
	prefix: string;
	status: 'active' | 'disabled';
	quotaLimit: number | null;
	usedQuota: number;
	expiresAt: Date | null;
	allowedModels: string[];
	allowedIps: string[];
	group: string | null;
	createdAt?: Date;
}

export interface PlannedCode {
	sourceId: number;
	name: string;
	codeHash: string;
	prefix: string;
	quota: number;
	status: 'unused' | 'used' | 'disabled';
	createdBySourceId: number | null;
	redeemedBySourceId: number | null;
	redeemedAt: Date | null;
	expiresAt: Date | null;
	createdAt?: Date;
}

export interface ImportPlan {
	users: PlannedUser[];
	keys: PlannedKey[];
	channels: PlannedChannel[];
	codes: PlannedCode[];
	prices: ImportedPrice[];
	/** Groups to create or whose ratio New-API sets. */
	groups: ImportedGroup[];
	skipped: SkippedRow[];
	notes: ImportNote[];
	already: ImportCounts;
	history: { topUps: number; topUpsPaid: number; pendingTopUps: number; abilities: number };
}

/** Stands in for a password where New-API had none (accounts that signed in through GitHub, OIDC, ...): matches nothing. */
export const NO_PASSWORD = '!imported-without-password';

const BCRYPT = /^\$2[aby]\$\d{2}\$[./A-Za-z0-9]{53}$/;
const NEWAPI_ROLES: Record<number, UserRole> = { 1: 'user', 10: 'admin', 100: 'root' };
const date = (unixSeconds: number | undefined) => (unixSeconds && unixSeconds > 0 ? new Date(unixSeconds * 1000) : undefined);

class Planner {
	readonly plan: ImportPlan;
	private readonly takenNames: Set<string>;
	private readonly takenEmails: Set<string>;
	private readonly groupNames: Set<string>;
	/** New-API user ids whose account exists on our side after this run (imported now or before). */
	private readonly users = new Set<number>();
	private rootTaken: boolean;

	constructor(
		private readonly data: NewApiData,
		private readonly target: TargetState,
		private readonly merge: boolean,
		private readonly now: number
	) {
		this.plan = {
			users: [], keys: [], channels: [], codes: [], prices: [], groups: [], skipped: [], notes: [], already: emptyCounts(),
			history: { topUps: 0, topUpsPaid: 0, pendingTopUps: 0, abilities: data.abilities }
		};
		this.takenNames = new Set(target.usernames);
		this.takenEmails = new Set(target.emails);
		this.groupNames = new Set(target.groups);
		this.rootTaken = target.hasRoot;
	}

	run(): ImportPlan {
		if (this.target.nativeUsers > 0 && !this.merge) {
			throw new ImportRefusedError(msg.settings_import_r_merge_needed({ count: String(this.target.nativeUsers) }));
		}
		this.prices();
		for (const u of this.data.users) this.user(u);
		for (const t of this.data.tokens) this.token(t);
		for (const c of this.data.channels) this.channel(c);
		for (const r of this.data.redemptions) this.code(r);
		for (const t of this.data.topUps) {
			if (t.status === 'success') {
				this.plan.history.topUps += 1;
				this.plan.history.topUpsPaid += t.money;
			} else if (t.status === 'pending') this.plan.history.pendingTopUps += 1;
		}
		return this.plan;
	}

	private skip(row: SkippedRow) {
		this.plan.skipped.push(row);
	}

	private note(row: ImportNote) {
		this.plan.notes.push(row);
	}

	/** A group named by a New-API row: must be a name we accept, and exists after the import. */
	private group(table: 'users' | 'tokens' | 'channels', id: number, name: string, raw: string): string {
		const parsed = groupName.safeParse(raw);
		if (!parsed.success) throw new BadRowError(table, id, `group "${raw}": ${parsed.error.issues[0]?.message}`, name);
		if (!this.groupNames.has(parsed.data)) {
			this.groupNames.add(parsed.data);
			this.plan.groups.push({ name: parsed.data, ratio: 1 });
			this.note({ table, id, name, message: msg.settings_import_n_group_created({ group: parsed.data }) });
		}
		return parsed.data;
	}

	private prices() {
		const input: Record<string, unknown> = {};
		for (const key of NEWAPI_OPTION_KEYS) {
			const value = this.data.options.get(key);
			if (value !== undefined && value.trim()) input[key] = value;
		}
		if (!Object.keys(input).length) return;
		this.dropOrphanRatios(input);
		let parsed: ReturnType<typeof parseNewApiOptions>;
		try {
			parsed = parseNewApiOptions(input);
		} catch (err) {
			if (err instanceof NewApiImportError) throw new BadRowError('options', err.field.split('.')[0] || 'ModelRatio', err.detail);
			throw err;
		}
		for (const price of parsed.prices) {
			if (this.target.imported.prices.has(price.model)) this.plan.already.prices += 1;
			else this.plan.prices.push(price);
		}
		for (const group of parsed.groups) {
			this.groupNames.add(group.name);
			if (this.target.imported.groups.has(group.name)) this.plan.already.groups += 1;
			else this.plan.groups.push(group);
		}
	}

	/**
	 * New-API keeps completion and cache ratios for models it ships defaults for, whether or not
	 * the operator priced them: entries for a model with no ModelRatio or ModelPrice are left out
	 * (and said), where the console's import refuses them.
	 */
	private dropOrphanRatios(input: Record<string, unknown>) {
		const names = (key: string): Set<string> | undefined => {
			const raw = input[key];
			try {
				const obj = typeof raw === 'string' ? (JSON.parse(raw) as unknown) : raw;
				return obj && typeof obj === 'object' && !Array.isArray(obj) ? new Set(Object.keys(obj)) : undefined;
			} catch {
				return undefined;
			}
		};
		const priced = new Set([...(names('ModelRatio') ?? []), ...(names('ModelPrice') ?? [])]);
		for (const key of ['CompletionRatio', 'CacheRatio', 'CreateCacheRatio']) {
			const raw = input[key];
			let obj: unknown;
			try {
				obj = typeof raw === 'string' ? JSON.parse(raw) : raw;
			} catch {
				continue; // parseNewApiOptions names the broken option
			}
			if (!obj || typeof obj !== 'object' || Array.isArray(obj)) continue;
			const kept = Object.entries(obj).filter(([model]) => priced.has(model));
			const dropped = Object.keys(obj).length - kept.length;
			if (dropped) this.note({ table: 'options', id: key, message: dropped === 1 ? msg.settings_import_n_entry_dropped() : msg.settings_import_n_entries_dropped({ count: String(dropped) }) });
			input[key] = Object.fromEntries(kept);
		}
	}

	private user(u: NewApiUser) {
		const name = u.username;
		const earlier = this.target.imported.users.get(String(u.id));
		if (earlier !== undefined) {
			this.users.add(u.id);
			this.plan.already.users += 1;
			return;
		}
		if (u.deleted_at) return this.skip({ table: 'users', id: u.id, name, reason: msg.settings_import_r_deleted() });
		const username = u.username.trim();
		if (!username || username.length > 64 || /[\s\p{Cc}]/u.test(username)) throw new BadRowError('users', u.id, 'the username is empty, longer than 64 characters or contains spaces', name);
		if (this.takenNames.has(username.toLowerCase())) {
			return this.skip({ table: 'users', id: u.id, name, reason: msg.settings_import_r_username_taken() });
		}
		for (const [field, value] of [['quota', u.quota], ['used_quota', u.used_quota], ['request_count', u.request_count]] as const) {
			if (value < 0) throw new BadRowError('users', u.id, `${field} is negative (${value})`, name);
		}
		let role = NEWAPI_ROLES[u.role];
		if (!role) {
			role = 'user';
			this.note({ table: 'users', id: u.id, name, message: msg.settings_import_n_role_unknown({ role: String(u.role) }) });
		}
		if (role === 'root') {
			if (this.rootTaken) {
				role = 'admin';
				this.note({ table: 'users', id: u.id, name, message: msg.settings_import_n_second_root() });
			}
			this.rootTaken = true;
		}
		let email: string | null = u.email?.trim() || null;
		if (email && this.takenEmails.has(email.toLowerCase())) {
			this.note({ table: 'users', id: u.id, name, message: msg.settings_import_n_email_taken({ email }) });
			email = null;
		}
		if (email) this.takenEmails.add(email.toLowerCase());
		let passwordHash = u.password;
		if (!BCRYPT.test(passwordHash)) {
			passwordHash = NO_PASSWORD;
			this.note({ table: 'users', id: u.id, name, message: msg.settings_import_n_no_password() });
		}
		if (u.status !== 1 && u.status !== 2) this.note({ table: 'users', id: u.id, name, message: msg.settings_import_n_status_unknown({ status: String(u.status) }) });
		this.takenNames.add(username.toLowerCase());
		this.users.add(u.id);
		this.plan.users.push({
			sourceId: u.id,
			username,
			displayName: u.display_name?.trim() || null,
			email,
			passwordHash,
			role,
			status: u.status === 1 ? 'active' : 'disabled',
			group: this.group('users', u.id, name, u.group.trim() || 'default'),
			quota: u.quota,
			usedQuota: u.used_quota,
			requestCount: u.request_count,
			createdAt: date(u.created_at)
		});
	}

	private token(t: NewApiToken) {
		const name = t.name.trim() || `New-API key #${t.id}`;
		if (this.target.imported.tokens.has(String(t.id))) {
			this.plan.already.apiKeys += 1;
			return;
		}
		if (t.deleted_at) return this.skip({ table: 'tokens', id: t.id, name, reason: msg.settings_import_r_deleted() });
		if (!this.users.has(t.user_id)) return this.skip({ table: 'tokens', id: t.id, name, reason: msg.settings_import_r_owner_skipped({ id: String(t.user_id) }) });
		const secret = t.key.trim();
		if (!/^[A-Za-z0-9_-]{8,128}$/.test(secret)) throw new BadRowError('tokens', t.id, 'the key is not 8 to 128 letters and digits', name);
		const full = `sk-${secret}`;
		const keyHash = hashApiKey(full);
		if (this.target.keyHashes.has(keyHash)) return this.skip({ table: 'tokens', id: t.id, name, reason: msg.settings_import_r_key_exists() });
		if (t.used_quota < 0) throw new BadRowError('tokens', t.id, `used_quota is negative (${t.used_quota})`, name);

		let status: 'active' | 'disabled' = t.status === 1 || t.status === 3 || t.status === 4 ? 'active' : 'disabled';
		const expiresAt = t.expired_time === -1 ? null : new Date(t.expired_time * 1000);
		// New-API refuses an expired or exhausted key until an admin edits it, whatever its dates and
		// quota say now: such a key stays refused here too.
		if (t.status === 3 && (expiresAt === null || expiresAt.getTime() > this.now)) status = 'disabled';
		if (t.status === 4 && (t.unlimited_quota || t.remain_quota > 0)) status = 'disabled';
		if (t.status > 4 || t.status < 1) this.note({ table: 'tokens', id: t.id, name, message: msg.settings_import_n_status_unknown({ status: String(t.status) }) });

		let allowedModels: string[] = [];
		if (t.model_limits_enabled) {
			allowedModels = [...new Set((t.model_limits ?? '').split(',').map((m) => m.trim()).filter(Boolean))];
			for (const m of allowedModels) {
				const ok = modelName.safeParse(m);
				if (!ok.success) throw new BadRowError('tokens', t.id, `model_limits entry "${m}": ${ok.error.issues[0]?.message}`, name);
			}
			if (!allowedModels.length) {
				status = 'disabled';
				this.note({ table: 'tokens', id: t.id, name, message: msg.settings_import_n_no_models_allowed() });
			}
		}
		const allowedIps = (t.allow_ips ?? '')
			.split(/[\n,]/)
			.map((ip) => ip.trim())
			.filter(Boolean)
			.map((ip) => {
				const parsed = parseAllowListEntry(ip);
				if (!parsed.ok) throw new BadRowError('tokens', t.id, `allow_ips: ${parsed.message}`, name);
				return parsed.normalized;
			});
		let group: string | null = null;
		const rawGroup = (t.group ?? '').trim();
		if (rawGroup === 'auto') this.note({ table: 'tokens', id: t.id, name, message: msg.settings_import_n_auto_group() });
		else if (rawGroup) group = this.group('tokens', t.id, name, rawGroup);

		this.plan.keys.push({
			sourceId: t.id,
			ownerSourceId: t.user_id,
			name: name.slice(0, 100),
			keyHash,
			prefix: apiKeyPrefix(full),
			status,
			// New-API counts a key's spend down from remain_quota; we count it up to a limit.
			quotaLimit: t.unlimited_quota ? null : Math.max(0, t.remain_quota) + t.used_quota,
			usedQuota: t.used_quota,
			expiresAt,
			allowedModels,
			allowedIps: [...new Set(allowedIps)],
			group,
			createdAt: date(t.created_time)
		});
	}

	private channel(c: NewApiData['channels'][number]) {
		if (this.target.imported.channels.has(String(c.id))) {
			this.plan.already.channels += 1;
			return;
		}
		const outcome = planChannel(c);
		if (outcome.kind === 'skip') return this.skip({ table: 'channels', id: c.id, name: c.name, reason: outcome.reason });
		for (const message of outcome.notes) this.note({ table: 'channels', id: c.id, name: c.name, message });
		const groups = outcome.channel.groups.map((g) => this.group('channels', c.id, c.name, g));
		this.plan.channels.push({ ...outcome.channel, groups });
	}

	private code(r: NewApiRedemption) {
		const name = r.name.trim() || `New-API code #${r.id}`;
		if (this.target.imported.redemptions.has(String(r.id))) {
			this.plan.already.redemptionCodes += 1;
			return;
		}
		if (r.deleted_at) return this.skip({ table: 'redemptions', id: r.id, name, reason: msg.settings_import_r_deleted() });
		const code = r.key.trim().toLowerCase();
		if (!NEWAPI_REDEMPTION_CODE.test(code)) return this.skip({ table: 'redemptions', id: r.id, name, reason: msg.settings_import_r_code_shape() });
		if (r.quota < 0) throw new BadRowError('redemptions', r.id, `quota is negative (${r.quota})`, name);
		const codeHash = hashRedemptionCode(code);
		if (this.target.codeHashes.has(codeHash)) return this.skip({ table: 'redemptions', id: r.id, name, reason: msg.settings_import_r_code_exists() });
		const status = r.status === 3 ? 'used' : r.status === 1 ? 'unused' : 'disabled';
		const known = (id: number | undefined) => (id && this.users.has(id) ? id : null);
		this.plan.codes.push({
			sourceId: r.id,
			name: name.slice(0, 100),
			codeHash,
			prefix: redemptionCodePrefix(code),
			quota: r.quota,
			status,
			createdBySourceId: known(r.user_id),
			redeemedBySourceId: status === 'used' ? known(r.used_user_id) : null,
			redeemedAt: status === 'used' ? (date(r.redeemed_time) ?? null) : null,
			expiresAt: date(r.expired_time) ?? null,
			createdAt: date(r.created_time)
		});
	}
}

/**
 * Decides, row by row, what a New-API database becomes in Elygate, without writing anything: the
 * same plan is the dry run's report and the real run's work. Throws BadRowError for a row that
 * cannot be carried over faithfully; skips (and lists) rows that are not to be imported.
 */
export function planImport(data: NewApiData, target: TargetState, options: { merge: boolean; now: number }): ImportPlan {
	return new Planner(data, target, options.merge, options.now).run();
}
