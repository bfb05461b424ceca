import * as z from 'zod';
import { modelName } from '../../../schemas/common';
import { adaptorFor } from '../../providers/registry';
import { SERVED_TYPES, elygateBaseUrl, newApiTypeName } from './channel-types';
import { BadRowError, type NewApiChannel } from './rows';
import { m as msg } from '../../../paraglide/messages';

export interface PlannedChannelKey {
	secret: string;
	status: 'enabled' | 'disabled';
	disableKind: 'manual' | 'automatic' | null;
	disableReason: string | null;
}

export interface PlannedChannel {
	sourceId: number;
	type: string;
	name: string;
	baseUrl: string;
	models: string[];
	modelMapping: Record<string, string>;
	/** As New-API names them; the planner checks and creates them. */
	groups: string[];
	priority: number;
	weight: number;
	status: 'enabled' | 'disabled';
	disableKind: 'manual' | 'automatic' | null;
	disableReason: string | null;
	config: Record<string, unknown>;
	keys: PlannedChannelKey[];
	createdAt?: Date;
}

export type ChannelOutcome = { kind: 'skip'; reason: string } | { kind: 'import'; channel: PlannedChannel; notes: string[] };

const list = (raw: string) => [...new Set(raw.split(',').map((s) => s.trim()).filter(Boolean))];

function jsonObject(raw: string | null | undefined): Record<string, unknown> | undefined {
	if (!raw?.trim()) return undefined;
	try {
		const value = JSON.parse(raw) as unknown;
		return value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
	} catch {
		return undefined;
	}
}

/** New-API's channel_info: which of a multi-key channel's keys are off, and why. */
const channelInfo = z
	.object({
		multi_key_status_list: z.record(z.string(), z.number()).nullish(),
		multi_key_disabled_reason: z.record(z.string(), z.string()).nullish()
	})
	.loose();

function parseChannelInfo(raw: unknown): z.infer<typeof channelInfo> {
	const value = typeof raw === 'string' ? jsonObject(raw) : raw instanceof Uint8Array ? jsonObject(Buffer.from(raw).toString('utf8')) : raw;
	const parsed = channelInfo.safeParse(value ?? {});
	return parsed.success ? parsed.data : {};
}

/** New-API status → ours: 1 on, 2 switched off by hand, 3 switched off by its health checks. */
function statusOf(status: number, reason: string | undefined): Pick<PlannedChannel, 'status' | 'disableKind' | 'disableReason'> {
	if (status === 1) return { status: 'enabled', disableKind: null, disableReason: null };
	if (status === 3) return { status: 'disabled', disableKind: 'automatic', disableReason: reason || 'Disabled automatically by New-API' };
	return { status: 'disabled', disableKind: 'manual', disableReason: reason || (status === 2 ? 'Disabled by hand in New-API' : `New-API status ${status}`) };
}

/** The type's own settings, from New-API's `other` column where it keeps them. */
function configFor(type: string, other: string, notes: string[]): Record<string, unknown> | { skip: string } {
	const value = other.trim();
	if (type === 'azure') {
		if (!value) notes.push(msg.settings_import_n_azure_version());
		return value ? { apiVersion: value } : {};
	}
	if (type === 'gemini') return value === 'v1' || value === 'v1beta' ? { apiVersion: value } : {};
	if (type === 'workers-ai') {
		if (!/^[0-9a-f]{32}$/i.test(value)) return { skip: msg.settings_import_r_cloudflare_account() };
		return { accountId: value };
	}
	return {};
}

/** Keeps priorities within what a channel may hold (±1000); New-API allows any 64-bit number. */
const clampPriority = (p: number) => Math.max(-1000, Math.min(1000, p));

/** One New-API channel as an Elygate channel, or why it is skipped. Pure. */
export function planChannel(c: NewApiChannel): ChannelOutcome {
	const mapping = SERVED_TYPES.get(c.type);
	if (!mapping) return { kind: 'skip', reason: msg.settings_import_r_channel_type({ type: String(c.type), name: newApiTypeName(c.type) }) };
	const notes: string[] = [];
	const baseUrl = elygateBaseUrl(mapping, c.base_url ?? null);
	if (!baseUrl) return { kind: 'skip', reason: msg.settings_import_r_no_base_url({ type: mapping.name }) };
	try {
		const url = new URL(baseUrl);
		if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error('scheme');
	} catch {
		throw new BadRowError('channels', c.id, `base_url "${c.base_url}" is not an http(s) URL`, c.name);
	}
	const models = list(c.models);
	if (!models.length) return { kind: 'skip', reason: msg.settings_import_r_no_models() };
	for (const m of models) {
		const ok = modelName.safeParse(m);
		if (!ok.success) throw new BadRowError('channels', c.id, `model "${m}": ${ok.error.issues[0]?.message}`, c.name);
	}
	const modelMapping: Record<string, string> = {};
	if (c.model_mapping?.trim()) {
		const parsed = jsonObject(c.model_mapping);
		if (!parsed) throw new BadRowError('channels', c.id, 'model_mapping is not a JSON object', c.name);
		for (const [from, to] of Object.entries(parsed)) {
			if (typeof to !== 'string' || !modelName.safeParse(to).success || !modelName.safeParse(from).success) {
				throw new BadRowError('channels', c.id, `model_mapping entry "${from}" must map a model name to a model name`, c.name);
			}
			// New-API ignores a mapping for a model the channel does not list; so do we, saying so.
			if (models.includes(from)) modelMapping[from] = to;
			else notes.push(msg.settings_import_n_mapping_unlisted({ model: from }));
		}
	}
	const config = configFor(mapping.type, c.other ?? '', notes);
	if ('skip' in config) return { kind: 'skip', reason: String(config.skip) };
	const schema = adaptorFor(mapping.type)?.configSchema;
	const checked = schema ? schema.safeParse(config) : { success: true as const, data: config };
	if (!checked.success) throw new BadRowError('channels', c.id, `other "${c.other}": ${checked.error.issues[0]?.message}`, c.name);

	const secrets = c.key.trim().startsWith('[') ? undefined : c.key.split('\n').map((k) => k.trim()).filter(Boolean);
	if (!secrets) return { kind: 'skip', reason: msg.settings_import_r_json_key() };
	if (!secrets.length) return { kind: 'skip', reason: msg.settings_import_r_no_key() };
	const info = parseChannelInfo(c.channel_info);
	const keys = secrets.map((secret, i): PlannedChannelKey => {
		const keyStatus = info.multi_key_status_list?.[String(i)] ?? 1;
		return { secret, ...statusOf(keyStatus, info.multi_key_disabled_reason?.[String(i)]) };
	});

	const otherInfo = jsonObject(c.other_info);
	const reason = typeof otherInfo?.status_reason === 'string' ? otherInfo.status_reason : undefined;
	const priority = c.priority ?? 0;
	if (clampPriority(priority) !== priority) notes.push(msg.settings_import_n_priority({ priority: String(priority), clamped: String(clampPriority(priority)) }));
	for (const [column, value] of [['param_override', c.param_override], ['header_override', c.header_override], ['status_code_mapping', c.status_code_mapping]] as const) {
		if (value?.trim() && value.trim() !== '{}') notes.push(msg.settings_import_n_not_carried({ column }));
	}
	return {
		kind: 'import',
		notes,
		channel: {
			sourceId: c.id,
			type: mapping.type,
			name: (c.name.trim() || `New-API channel #${c.id}`).slice(0, 100),
			baseUrl,
			models,
			modelMapping,
			groups: list(c.group).length ? list(c.group) : ['default'],
			priority: clampPriority(priority),
			// New-API's weights start at 0; ours at 1.
			weight: Math.max(1, Math.min(10_000, c.weight ?? 0)),
			...statusOf(c.status, reason),
			config: checked.data as Record<string, unknown>,
			keys,
			createdAt: c.created_time && c.created_time > 0 ? new Date(c.created_time * 1000) : undefined
		}
	};
}
