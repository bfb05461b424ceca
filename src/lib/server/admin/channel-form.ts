import * as z from 'zod';
import { channelCreate } from '../../schemas/channels';
import { adaptorFor } from '../providers/registry';
import type { ChannelView } from '../services/channels';
import { TIMEOUT_FIELDS, configInvalid, parseModelLines, parseTags, type ConfigField, type ConfigFieldKind } from '../../channel-config';
import { m } from '../../paraglide/messages';
import { exceedsJsonDepth, jsonTooDeepMessage } from '../http/json-depth';

/**
 * The channel form, generic over channel types: the `config` part is read from the type's
 * zod schema (through JSON Schema), so a new provider needs no form code of its own.
 */

interface JsonSchemaNode {
	type?: string | string[];
	enum?: unknown[];
	default?: unknown;
	description?: string;
	pattern?: string;
	items?: JsonSchemaNode;
	properties?: Record<string, JsonSchemaNode>;
	required?: string[];
}

function kindOf(node: JsonSchemaNode): ConfigFieldKind {
	if (Array.isArray(node.enum) && node.enum.every((v) => typeof v === 'string')) return 'select';
	if (node.type === 'boolean') return 'checkbox';
	if (node.type === 'number' || node.type === 'integer') return 'number';
	if (node.type === 'string') return 'text';
	if (node.type === 'array' && node.items?.type === 'string') return 'lines';
	return 'json';
}

const cache = new Map<string, ConfigField[]>();

/** The type's config fields, in schema order; [] for an unknown type. */
export function configFields(type: string): ConfigField[] {
	const cached = cache.get(type);
	if (cached) return cached;
	const schema = adaptorFor(type)?.configSchema;
	if (!schema) return [];
	const json = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as JsonSchemaNode;
	const required = new Set(json.required ?? []);
	const fields = Object.entries(json.properties ?? {})
		.filter(([key]) => key !== 'timeouts')
		.map(([key, node]): ConfigField => {
			const kind = kindOf(node);
			const defaultValue = kind === 'checkbox' ? node.default === true : typeof node.default === 'string' || typeof node.default === 'number' ? String(node.default) : undefined;
			return {
				key,
				name: `cfg_${key}`,
				kind,
				required: required.has(key),
				description: node.description,
				options: kind === 'select' ? (node.enum as string[]) : undefined,
				defaultValue,
				pattern: kind === 'text' ? node.pattern : undefined
			};
		});
	cache.set(type, fields);
	return fields;
}

/** The base URL a channel of this type gets when the form leaves it empty, if the type has one. */
export function defaultBaseUrl(type: string): string | undefined {
	return adaptorFor(type)?.defaultBaseUrl;
}

function isJsonObjectOfStrings(text: string): string | null {
	if (!text.trim()) return null;
	let value: unknown;
	try {
		value = JSON.parse(text);
	} catch (err) {
		return m.channels_v_json_invalid({ detail: (err as Error).message });
	}
	if (typeof value !== 'object' || value === null || Array.isArray(value)) return m.channels_v_json_object();
	const bad = Object.entries(value).find(([, v]) => typeof v !== 'string');
	return bad ? m.channels_v_mapping_string({ model: bad[0] }) : null;
}

const baseShape = {
	type: z.string().default('openai'),
	name: z.string().default(''),
	baseUrl: z.string().default(''),
	keys: z.string().default(''),
	models: z.string().default(''),
	tags: z.string().default(''),
	modelMapping: z
		.string()
		.default('')
		.superRefine((text, ctx) => {
			const problem = isJsonObjectOfStrings(text);
			if (problem) ctx.addIssue({ code: 'custom', message: problem });
		}),
	groups: z.array(z.string()).default(['default']),
	priority: z
		.number()
		.int({ error: () => m.channels_v_whole_number() })
		.default(0),
	weight: z
		.number()
		.int({ error: () => m.channels_v_whole_number() })
		.default(1),
	enabled: z.boolean().default(true),
	timeout_connectMs: z.string().default(''),
	timeout_firstByteMs: z.string().default(''),
	timeout_streamFirstByteMs: z.string().default(''),
	timeout_streamIdleMs: z.string().default('')
};

export const channelFormBase = z.object(baseShape);
export type ChannelFormData = z.infer<typeof channelFormBase> & Record<string, unknown>;

/** The form schema for one channel type: the common fields plus one per config property. */
export function channelFormSchema(type: string) {
	const extra: Record<string, z.ZodType> = {};
	for (const f of configFields(type)) {
		extra[f.name] = f.kind === 'checkbox' ? z.boolean().default(f.defaultValue === true) : z.string().default(typeof f.defaultValue === 'string' ? f.defaultValue : '');
	}
	return channelFormBase.extend(extra) as unknown as typeof channelFormBase;
}

const lines = parseModelLines;

/** The form's values for an existing channel; keys only as their masked hints (and none for a copy). */
export function formValuesOf(channel: ChannelView, opts: { copy: boolean }): ChannelFormData {
	const config = channel.config as Record<string, unknown>;
	const timeouts = (config.timeouts ?? {}) as Record<string, unknown>;
	const values: ChannelFormData = {
		type: channel.type,
		name: opts.copy ? `${channel.name} (copy)` : channel.name,
		baseUrl: channel.baseUrl,
		keys: opts.copy ? '' : channel.keys.map((k) => k.hint).join('\n'),
		models: channel.models.join('\n'),
		tags: channel.tags.join(', '),
		modelMapping: Object.keys(channel.modelMapping).length ? JSON.stringify(channel.modelMapping, null, 2) : '',
		groups: channel.groups,
		priority: channel.priority,
		weight: channel.weight,
		enabled: opts.copy ? true : channel.status === 'enabled',
		timeout_connectMs: String(timeouts.connectMs ?? ''),
		timeout_firstByteMs: String(timeouts.firstByteMs ?? ''),
		timeout_streamFirstByteMs: String(timeouts.streamFirstByteMs ?? ''),
		timeout_streamIdleMs: String(timeouts.streamIdleMs ?? '')
	};
	for (const f of configFields(channel.type)) {
		const v = config[f.key];
		if (f.kind === 'checkbox') values[f.name] = v === true;
		else if (v === undefined || v === null) values[f.name] = '';
		else if (f.kind === 'lines' && Array.isArray(v)) values[f.name] = v.join('\n');
		else if (f.kind === 'json') values[f.name] = JSON.stringify(v, null, 2);
		else values[f.name] = String(v);
	}
	return values;
}

export interface ChannelInput {
	input: Record<string, unknown>;
	/** Form field -> message, for values the form itself could not read. */
	errors: Record<string, string>;
}

/**
 * The service input for submitted form values. `current` is the stored config of the channel
 * being edited. The form shows every setting of the type, so whatever else the stored config
 * holds (a setting of the type it had before, a key saved before unknown keys were refused)
 * is dropped: saving refuses unknown keys, and the form offers no way to remove them.
 */
export function channelInputOf(data: ChannelFormData, current?: Record<string, unknown>): ChannelInput {
	const errors: Record<string, string> = {};
	const settings = new Set(configFields(data.type).map((f) => f.key));
	const config: Record<string, unknown> = Object.fromEntries(Object.entries(current ?? {}).filter(([key]) => settings.has(key)));
	for (const f of configFields(data.type)) {
		const raw = data[f.name];
		delete config[f.key];
		if (f.kind === 'checkbox') {
			config[f.key] = raw === true;
			continue;
		}
		const text = typeof raw === 'string' ? raw.trim() : '';
		if (!text) continue;
		if (f.kind === 'number') {
			const n = Number(text);
			if (Number.isFinite(n)) config[f.key] = n;
			else errors[f.name] = m.channels_v_number();
		} else if (f.kind === 'lines') config[f.key] = lines(text);
		else if (f.kind === 'json') {
			try {
				const value: unknown = JSON.parse(text);
				if (exceedsJsonDepth(value)) errors[f.name] = jsonTooDeepMessage();
				else config[f.key] = value;
			} catch (err) {
				errors[f.name] = m.channels_v_json_invalid({ detail: (err as Error).message });
			}
		} else config[f.key] = text;
	}
	const timeouts: Record<string, number> = {};
	for (const t of TIMEOUT_FIELDS) {
		const text = String(data[`timeout_${t.key}`] ?? '').trim();
		if (!text) continue;
		const n = Number(text);
		if (Number.isFinite(n)) timeouts[t.key] = n;
		else errors[`timeout_${t.key}`] = m.channels_v_ms();
	}
	delete config.timeouts;
	if (Object.keys(timeouts).length) config.timeouts = timeouts;
	const input = {
		type: data.type,
		name: data.name,
		baseUrl: data.baseUrl.trim() || (defaultBaseUrl(data.type) ?? ''),
		keys: data.keys
			.split('\n')
			.map((k) => k.trim())
			.filter(Boolean),
		models: lines(data.models),
		modelMapping: mappingOf(data.modelMapping),
		tags: parseTags(data.tags),
		groups: data.groups,
		priority: data.priority,
		weight: data.weight,
		enabled: data.enabled,
		config
	};
	return { input, errors };
}

/** The mapping field's object; {} when it is empty or not valid (the form reports that beside the field). */
function mappingOf(text: string): Record<string, string> {
	if (!text.trim() || isJsonObjectOfStrings(text) !== null) return {};
	return JSON.parse(text) as Record<string, string>;
}

/** The form field a service or schema path belongs to (`config.timeouts.connectMs` -> `timeout_connectMs`). */
export function formFieldOf(path: string): string {
	const [head, second, third] = path.split('.');
	if (head === 'config' && second === 'timeouts') return third ? `timeout_${third}` : 'timeout_connectMs';
	if (head === 'config' && second) return `cfg_${second}`;
	if (head === 'tags') return 'tags';
	return head ?? path;
}

/**
 * Every problem the shared schemas find (the service reports only the first): the channel
 * fields, then the type's own config schema. Form field -> message.
 */
export function schemaProblems(input: Record<string, unknown>): Record<string, string> {
	const problems: Record<string, string> = {};
	const add = (path: string, message: string) => {
		const field = formFieldOf(path);
		problems[field] ??= message.replace(/^\w+: /, '');
	};
	const generic = channelCreate.safeParse(input);
	if (!generic.success) for (const issue of generic.error.issues) add(issue.path.map(String).join('.'), issue.message);
	const type = String(input.type);
	const schema = adaptorFor(type)?.configSchema;
	const own = schema?.safeParse(input.config ?? {});
	if (own && !own.success) {
		for (const issue of own.error.issues) {
			const key = String(issue.path[0] ?? '');
			// The types' schemas write English; the catalogue has the field's words in every language.
			const missing = issue.code === 'invalid_type' && (input.config as Record<string, unknown> | undefined)?.[key] === undefined;
			add(['config', ...issue.path.map(String)].join('.'), missing ? m.channels_v_required() : (configInvalid(type, key) ?? issue.message));
		}
	}
	return problems;
}
